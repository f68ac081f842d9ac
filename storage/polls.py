"""Polls in the database, the staff's side: create, send (invitations through the outbox), close,
list. A person's side is `storage.poll_answers`; results are `storage.poll_results`.

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
    OutboxItem,
    PollAnswer,
    PollInvitation,
    PollRecord,
    PollSend,
)

KIND = "poll"  # the outbox kind of invitations: bulk, so quiet hours and STOP apply
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


def invitation_outbox_row(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """An invitation's outbox row exists where `where` holds (found by its dedupe key)."""
    key = "poll:" + PollInvitation.poll_id + ":" + cast(PollInvitation.contact_id, String)
    return exists().where(OutboxItem.dedupe_key == key, *where)
