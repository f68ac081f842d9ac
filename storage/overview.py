"""The back office's overview: every figure is one aggregate query over an index (see the
indexes at the end of storage/models.py and benchmarks/dashboard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import stats, tickets
from storage.models import Contact, KnowledgeGap, Message, OutboxItem, Registration

DAYS = 30
UNKNOWN = "?"  # a person whose country is not known (shown as such by the page)


@dataclass(frozen=True)
class Overview:
    people: int
    by_channel: dict[str, int]
    by_language: dict[str, int]
    by_country: dict[str, int]
    days: list[date]
    messages_in: dict[date, int]
    messages_out: dict[date, int]
    registrations: dict[str, int]
    unanswered: list[KnowledgeGap]
    tickets: dict[str, int | None]
    outbox: dict[str, int]


def _day(value) -> date:  # type: ignore[no-untyped-def]
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def messages_per_day(
    session: AsyncSession, now: datetime, days: int = DAYS
) -> tuple[list[date], dict[date, int], dict[date, int]]:
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(Message.created_at)
    rows = await session.execute(
        select(day, Message.direction, func.count())
        .where(Message.created_at >= since)
        .group_by(day, Message.direction)
    )
    incoming: dict[date, int] = {}
    outgoing: dict[date, int] = {}
    for value, direction, n in rows.all():
        (incoming if direction == "in" else outgoing)[_day(value)] = n
    first = since.date()
    return [first + timedelta(days=i) for i in range(days)], incoming, outgoing


async def load(session: AsyncSession, now: datetime) -> Overview:
    people = stats.PEOPLE
    days, incoming, outgoing = await messages_per_day(session, now)
    country = func.coalesce(Contact.country, UNKNOWN)
    return Overview(
        people=await stats._count(session, Contact, people),
        by_channel=await stats._grouped(session, Contact.channel, people),
        by_language=await stats._grouped(session, Contact.language, people),
        by_country=await stats._grouped(session, country, people),
        days=days,
        messages_in=incoming,
        messages_out=outgoing,
        registrations=await stats._grouped(
            session, Registration.forum_id, Registration.status != "cancelled"
        ),
        unanswered=list(
            await session.scalars(
                select(KnowledgeGap).order_by(KnowledgeGap.count.desc()).limit(10)
            )
        ),
        tickets=await tickets.response_times(session),
        outbox=await stats._grouped(session, OutboxItem.status),
    )
