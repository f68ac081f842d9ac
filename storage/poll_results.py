"""Poll results, counted by the database (GROUP BY): a poll answered by a million people is never
loaded into memory. `results` is the one function the CLI and the back office both call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, polls
from storage.models import OutboxItem, PollAnswer, PollInvitation, PollRecord

GROUPS = ("country", "channel", "language")
UNKNOWN_GROUP = "unknown"  # a person whose country of residence we do not know


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
            | polls.invitation_outbox_row(OutboxItem.status.not_in(("cancelled", "failed"))),
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
        session, actor, "poll_export", polls.source(record.id), {"answers": len(rows)}, at=now
    )
    return [ExportRow(*row) for row in rows]
