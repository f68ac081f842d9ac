"""Polls in the database: the polls themselves, their sends, who was invited, what was answered.

One answer per person per question (a unique constraint): answering again replaces the answer.
Results are counted by the database (GROUP BY), so a poll answered by a million people is never
loaded into memory; `results` is the one function the CLI and the back office both call.

A poll's definition is kept as the JSON of its checked YAML (`knowledge.polls.Poll.to_data`):
storage reads only ids and values from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audience as audiences
from storage import audit
from storage.audience import Audience
from storage.models import (
    Contact,
    Message,
    OutboxItem,
    PollAnswer,
    PollInvitation,
    PollRecord,
    PollSend,
)

KIND = "poll"  # the outbox kind of invitations: bulk, so quiet hours and STOP apply
GROUPS = ("country", "channel", "language")
UNKNOWN_GROUP = "unknown"  # a person whose country of residence we do not know
SEND_BATCH = 1000


class PollStateError(ValueError):
    """What a staff action cannot do to a poll in its state; `code` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def source(poll_id: str) -> str:
    return f"poll:{poll_id}"


def dedupe_key(poll_id: str, contact_id: int) -> str:
    return f"poll:{poll_id}:{contact_id}"


def is_open(record: PollRecord, now: datetime) -> bool:
    """Answers are taken once the poll is sent (or its opening time has come) until it closes."""
    if record.status != "sent":
        return False
    if record.opens_at is not None and now < record.opens_at:
        return False
    return record.closes_at is None or now < record.closes_at


def is_closed(record: PollRecord, now: datetime) -> bool:
    return record.status == "closed" or (record.closes_at is not None and now >= record.closes_at)


# --- staff: create, send, close ---------------------------------------------------------------


async def get(session: AsyncSession, poll_id: str) -> PollRecord | None:
    return await session.get(PollRecord, poll_id)


async def create(
    session: AsyncSession,
    definition: dict[str, Any],
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    actor: str,
    now: datetime,
) -> tuple[PollRecord, bool]:
    """Store a checked poll; a draft (never sent) with the same id is replaced. (record, new?)"""
    poll_id = definition["id"]
    record = await get(session, poll_id)
    if record is not None and record.status != "draft":
        raise PollStateError(
            "already_sent", f"poll {poll_id} was already sent; give the new version a new id"
        )
    new = record is None
    if record is None:
        record = PollRecord(id=poll_id, status="draft", created_by=actor, created_at=now)
        session.add(record)
    record.title = str(definition["title"].get("fr", poll_id))[:200]
    record.definition = dict(definition)
    record.opens_at, record.closes_at = opens_at, closes_at
    await audit.record(
        session, actor, "poll_create" if new else "poll_update", source(poll_id), at=now
    )
    await session.flush()
    return record, new


def not_recently_invited(since: datetime) -> ColumnElement[bool]:
    """People invited to no poll since `since` (a person gets one invitation a week at most);
    joining a poll oneself with SONDAGE does not count."""
    return ~exists().where(
        PollInvitation.contact_id == Contact.id,
        PollInvitation.kind == "invited",
        PollInvitation.sent_at > since,
    )


def not_invited_to(poll_id: str) -> ColumnElement[bool]:
    return ~exists().where(
        PollInvitation.contact_id == Contact.id, PollInvitation.poll_id == poll_id
    )


def send_conditions(poll_id: str, now: datetime, interval: timedelta) -> list[ColumnElement[bool]]:
    """Who of an audience is invited: not yet to this poll, and to none in `interval`."""
    return [not_invited_to(poll_id), not_recently_invited(now - interval)]


@dataclass(frozen=True)
class Invitation:
    """An invitation's texts and the options its numbers mean, in one language."""

    sms: str  # GSM-7, numbered options
    plain: str  # numbered options, as written (the console)
    buttons: str  # without the options, which are Telegram buttons under it
    options: list[list[str]]  # [[label, value], ...]: the Telegram buttons

    def for_channel(self, channel: str) -> tuple[str, list[list[str]] | None]:
        """The text a channel's person receives, and its buttons (Telegram only)."""
        if channel == "telegram" and self.options:
            return self.buttons, self.options
        return (self.sms if channel == "sms" else self.plain), None


async def send(
    session: AsyncSession,
    record: PollRecord,
    audience: Audience,
    invitations: dict[str, Invitation],
    *,
    send_at: datetime,
    interval: timedelta,
    actor: str,
    now: datetime,
    batch: int = SEND_BATCH,
) -> PollSend:
    """Invite the audience: one invitation row and one outbox row per person, in keyset pages.

    The outbox row waits for `send_at`; the dispatcher applies quiet hours and STOP.
    """
    if record.status == "closed":
        raise PollStateError("closed", f"poll {record.id} is closed")
    poll_send = PollSend(
        poll_id=record.id,
        segment=audience.canonical(),
        send_at=send_at,
        recipients=0,
        created_by=actor,
        created_at=now,
    )
    session.add(poll_send)
    await session.flush()
    extra = send_conditions(record.id, now, interval)
    after, total = 0, 0
    due = max(now, send_at)
    while True:
        ids = await audiences.ids_after(session, audience, after, batch, extra)
        if not ids:
            break
        after = ids[-1]
        people = (
            await session.execute(
                select(Contact.id, Contact.channel, Contact.address, Contact.language).where(
                    Contact.id.in_(ids)
                )
            )
        ).all()
        outbox_rows, invitation_rows = [], []
        for contact_id, channel, address, language in people:
            text, buttons = (invitations.get(language) or invitations["fr"]).for_channel(channel)
            outbox_rows.append(
                {
                    "contact_id": contact_id,
                    "channel": channel,
                    "address": address,
                    "text": text,
                    "options": buttons,
                    "kind": KIND,
                    "source": source(record.id),
                    "dedupe_key": dedupe_key(record.id, contact_id),
                    "status": "queued",
                    "attempts": 0,
                    "next_attempt_at": due,
                    "created_at": now,
                }
            )
            invitation_rows.append(
                {
                    "poll_id": record.id,
                    "contact_id": contact_id,
                    "send_id": poll_send.id,
                    "kind": "invited",
                    "sent_at": due,
                }
            )
        await session.execute(insert(OutboxItem), outbox_rows)
        await session.execute(insert(PollInvitation), invitation_rows)
        total += len(people)
    poll_send.recipients = total
    if record.status == "draft":
        record.status = "sent"
    await audit.record(
        session,
        actor,
        "poll_send",
        source(record.id),
        {"send": poll_send.id, "segment": poll_send.segment, "recipients": total},
        at=now,
    )
    return poll_send


async def close(session: AsyncSession, poll_id: str, actor: str, now: datetime) -> PollRecord:
    """Close a poll: answers stop, invitations still waiting in the outbox are cancelled."""
    record = await get(session, poll_id)
    if record is None:
        raise PollStateError("not_found", f"no poll {poll_id}")
    if record.status == "closed":
        raise PollStateError("closed", f"poll {poll_id} is already closed")
    record.status, record.closed_at = "closed", now
    cancelled = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.source == source(poll_id), OutboxItem.status == "queued")
        .values(status="cancelled", error="poll closed")
    )
    await audit.record(
        session, actor, "poll_close", source(poll_id), {"cancelled": cancelled.rowcount}, at=now
    )
    return record


@dataclass(frozen=True)
class Listed:
    record: PollRecord
    invited: int
    respondents: int


async def listing(session: AsyncSession) -> list[Listed]:
    records = list(await session.scalars(select(PollRecord).order_by(PollRecord.created_at)))
    invited = dict(
        (
            await session.execute(
                select(PollInvitation.poll_id, func.count()).group_by(PollInvitation.poll_id)
            )
        ).all()
    )
    answered = dict(
        (
            await session.execute(
                select(
                    PollAnswer.poll_id, func.count(func.distinct(PollAnswer.contact_id))
                ).group_by(PollAnswer.poll_id)
            )
        ).all()
    )
    return [Listed(r, invited.get(r.id, 0), answered.get(r.id, 0)) for r in records]


# --- people: invitations and answers ----------------------------------------------------------


async def invitations_of(
    session: AsyncSession, contact_id: int, limit: int = 5
) -> list[tuple[PollInvitation, PollRecord]]:
    """A person's latest invitations that reached them (or that they asked for), newest first.

    An invitation still waiting in the outbox (quiet hours, a later send time) or cancelled
    there (STOP) was never seen: words are not taken as answers to it.
    """
    delivered = _outbox_row(OutboxItem.status.not_in(("queued", "cancelled")))
    query = (
        select(PollInvitation, PollRecord)
        .join(PollRecord, PollRecord.id == PollInvitation.poll_id)
        .where(
            PollInvitation.contact_id == contact_id,
            (PollInvitation.kind == "joined") | delivered,
        )
        .order_by(PollInvitation.sent_at.desc(), PollInvitation.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def invitation_last_received(session: AsyncSession, contact_id: int) -> PollRecord | None:
    """The poll whose invitation is the last message the person received from us, if it is:
    then a bare "2" answers it, whatever options an earlier reply showed."""
    last = (
        select(Message.outbox_id)
        .where(Message.contact_id == contact_id, Message.direction == "out")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    found = await session.scalar(
        select(OutboxItem.source).where(OutboxItem.id == last, OutboxItem.kind == KIND)
    )
    return await get(session, found.removeprefix("poll:")) if found else None


def _outbox_row(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """An invitation's outbox row exists where `where` holds (found by its dedupe key)."""
    key = "poll:" + PollInvitation.poll_id + ":" + cast(PollInvitation.contact_id, String)
    return exists().where(OutboxItem.dedupe_key == key, *where)


async def invitation(
    session: AsyncSession, poll_id: str, contact_id: int
) -> PollInvitation | None:
    return await session.scalar(
        select(PollInvitation).where(
            PollInvitation.poll_id == poll_id, PollInvitation.contact_id == contact_id
        )
    )


async def join(session: AsyncSession, poll_id: str, contact_id: int, now: datetime) -> None:
    """A person takes part without an invitation (SONDAGE): recorded, so sends skip them."""
    if await invitation(session, poll_id, contact_id) is None:
        session.add(
            PollInvitation(poll_id=poll_id, contact_id=contact_id, kind="joined", sent_at=now)
        )
        await session.flush()


async def may_join(session: AsyncSession, record: PollRecord, contact_id: int) -> bool:
    """Invited, or in the audience of one of the poll's sends."""
    if await invitation(session, record.id, contact_id) is not None:
        return True
    return await in_audience(session, record, contact_id)


async def in_audience(session: AsyncSession, record: PollRecord, contact_id: int) -> bool:
    """In the audience of one of the poll's sends, as the person is now."""
    segments = await session.scalars(select(PollSend.segment).where(PollSend.poll_id == record.id))
    for segment in set(segments):
        audience = Audience.from_canonical(segment)
        found = await session.scalar(
            select(Contact.id).where(Contact.id == contact_id, *audiences.conditions(audience))
        )
        if found is not None:
            return True
    return False


async def open_polls(session: AsyncSession, now: datetime) -> list[PollRecord]:
    records = await session.scalars(
        select(PollRecord).where(PollRecord.status == "sent").order_by(PollRecord.created_at)
    )
    return [r for r in records if is_open(r, now)]


async def answers_of(session: AsyncSession, poll_id: str, contact_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(PollAnswer.question_id, PollAnswer.value).where(
            PollAnswer.poll_id == poll_id, PollAnswer.contact_id == contact_id
        )
    )
    return dict(rows.all())


async def save_answer(
    session: AsyncSession,
    poll_id: str,
    question_id: str,
    contact: Contact,
    value: str,
    *,
    free_text: bool,
    now: datetime,
) -> str | None:
    """Keep the person's answer, replacing an earlier one; returns the earlier value, if any."""
    previous = await session.scalar(
        select(PollAnswer.value).where(
            PollAnswer.poll_id == poll_id,
            PollAnswer.question_id == question_id,
            PollAnswer.contact_id == contact.id,
        )
    )
    await record_answer(
        session,
        poll_id,
        question_id,
        contact,
        value,
        free_text=free_text,
        now=now,
        previous=previous,
    )
    return previous


async def record_answer(
    session: AsyncSession,
    poll_id: str,
    question_id: str,
    contact: Contact,
    value: str,
    *,
    free_text: bool,
    now: datetime,
    previous: str | None,
) -> None:
    """`save_answer` for a caller that already read the earlier answer (`answers_of`)."""
    if previous is not None:
        if previous != value:
            await session.execute(
                update(PollAnswer)
                .where(
                    PollAnswer.poll_id == poll_id,
                    PollAnswer.question_id == question_id,
                    PollAnswer.contact_id == contact.id,
                )
                .values(value=value, changed_at=now)
            )
        return
    session.add(
        PollAnswer(
            poll_id=poll_id,
            question_id=question_id,
            contact_id=contact.id,
            value=value,
            free_text=free_text,
            channel=contact.channel,
            language=contact.language,
            country=contact.country,
            answered_at=now,
        )
    )
    await session.flush()


async def personal_answers(
    session: AsyncSession, contact_id: int
) -> list[tuple[PollRecord, str, str]]:
    """Everything a person answered (MES DONNEES): (poll, question id, value)."""
    rows = await session.execute(
        select(PollRecord, PollAnswer.question_id, PollAnswer.value)
        .join(PollRecord, PollRecord.id == PollAnswer.poll_id)
        .where(PollAnswer.contact_id == contact_id)
        .order_by(PollAnswer.answered_at, PollAnswer.id)
    )
    return [(r, q, v) for r, q, v in rows.all()]


# --- results ----------------------------------------------------------------------------------


async def results(
    session: AsyncSession,
    record: PollRecord,
    *,
    by: str | None = None,
    free_text: bool = False,
) -> dict[str, Any]:
    """The poll's results, as `poll results --format json` prints them:

    {"poll": ID, "sent": N, "respondents": N, "questions": [{"id": ..., "answers": N,
     "options": [{"value": ..., "count": N, "percent": P}], "by": {"FR": {"agriculture": N}},
     "free_text": [...]}]}

    `by` (country, channel or language) adds the "by" tallies. Free-text answers are listed
    only with `free_text=True`, which callers grant to admins only; no result ever says who
    answered what. The back office's results page calls this function.
    """
    if by is not None and by not in GROUPS:
        raise ValueError(f"by: one of {', '.join(GROUPS)}")
    # Invited and not cancelled before sending (STOP, unreachable, poll closed), or joined.
    sent = await session.scalar(
        select(func.count())
        .select_from(PollInvitation)
        .where(
            PollInvitation.poll_id == record.id,
            (PollInvitation.kind == "joined")
            | _outbox_row(OutboxItem.status.not_in(("cancelled", "failed"))),
        )
    )
    respondents = await session.scalar(
        select(func.count(func.distinct(PollAnswer.contact_id))).where(
            PollAnswer.poll_id == record.id
        )
    )
    counts: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for question_id, value, n in (
        await session.execute(
            select(PollAnswer.question_id, PollAnswer.value, func.count())
            .where(PollAnswer.poll_id == record.id, PollAnswer.free_text.is_(False))
            .group_by(PollAnswer.question_id, PollAnswer.value)
        )
    ).all():
        counts[(question_id, value)] = n
    for question_id, n in (
        await session.execute(
            select(PollAnswer.question_id, func.count())
            .where(PollAnswer.poll_id == record.id)
            .group_by(PollAnswer.question_id)
        )
    ).all():
        totals[question_id] = n
    grouped: dict[str, dict[str, dict[str, int]]] = {}
    if by is not None:
        column = getattr(PollAnswer, by)
        for question_id, group, value, is_free, n in (
            await session.execute(
                select(
                    PollAnswer.question_id,
                    column,
                    PollAnswer.value,
                    PollAnswer.free_text,
                    func.count(),
                )
                .where(PollAnswer.poll_id == record.id)
                .group_by(PollAnswer.question_id, column, PollAnswer.value, PollAnswer.free_text)
            )
        ).all():
            key = "answers" if is_free else value
            tally = grouped.setdefault(question_id, {}).setdefault(group or UNKNOWN_GROUP, {})
            tally[key] = tally.get(key, 0) + n
    questions = []
    for question in record.definition["questions"]:
        qid = question["id"]
        answered = totals.get(qid, 0)
        entry: dict[str, Any] = {
            "id": qid,
            "answers": answered,
            "options": [
                {
                    "value": option["value"],
                    "count": counts.get((qid, option["value"]), 0),
                    "percent": _percent(counts.get((qid, option["value"]), 0), answered),
                }
                for option in question.get("options", [])
            ],
        }
        if by is not None:
            entry["by"] = dict(sorted(grouped.get(qid, {}).items()))
        if question.get("free_text") and free_text:
            entry["free_text"] = list(
                await session.scalars(
                    select(PollAnswer.value)
                    .where(PollAnswer.poll_id == record.id, PollAnswer.question_id == qid)
                    .order_by(PollAnswer.answered_at, PollAnswer.id)
                )
            )
        questions.append(entry)
    return {
        "poll": record.id,
        "sent": sent or 0,
        "respondents": respondents or 0,
        "questions": questions,
    }


def _percent(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


def response_rate(found: dict[str, Any]) -> float:
    """Respondents as a percentage of the people invited (or who joined)."""
    return _percent(found["respondents"], found["sent"])


@dataclass(frozen=True)
class ExportRow:
    respondent: int  # the contact's number in our tables: no address, no name
    channel: str
    language: str
    country: str | None
    question: str
    answer: str
    answered_at: datetime


async def export_answers(
    session: AsyncSession, record: PollRecord, *, actor: str, now: datetime
) -> list[ExportRow]:
    """Every individual answer (admins only), recorded in the audit log."""
    rows = (
        await session.execute(
            select(
                PollAnswer.contact_id,
                PollAnswer.channel,
                PollAnswer.language,
                PollAnswer.country,
                PollAnswer.question_id,
                PollAnswer.value,
                PollAnswer.answered_at,
            )
            .where(PollAnswer.poll_id == record.id)
            .order_by(PollAnswer.contact_id, PollAnswer.id)
        )
    ).all()
    await audit.record(
        session, actor, "poll_export", source(record.id), {"answers": len(rows)}, at=now
    )
    return [ExportRow(*row) for row in rows]
