"""Counts for staff: who uses the bot, on which channel, in which language, and what is queued."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.addresses import mask
from storage import sms_health, tickets, usage
from storage.models import Contact, Message, OutboxItem, Registration


async def _grouped(session: AsyncSession, column, *where) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = await session.execute(select(column, func.count()).where(*where).group_by(column))
    return {str(key): count for key, count in rows.all()}


async def _count(session: AsyncSession, model, *where) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


PEOPLE = Contact.staff_chat.is_(False)


async def summary(session: AsyncSession) -> dict:
    return {
        # People only: the staff group has a contact row (tickets go to it) but is nobody.
        "contacts": await _count(session, Contact, PEOPLE),
        "contacts_by_channel": await _grouped(session, Contact.channel, PEOPLE),
        "contacts_by_language": await _grouped(session, Contact.language, PEOPLE),
        "opted_out": await _count(session, Contact, Contact.opted_out.is_(True)),
        "messages_in": await _count(session, Message, Message.direction == "in"),
        "messages_out": await _count(session, Message, Message.direction == "out"),
        "registrations": await _count(session, Registration, Registration.status != "cancelled"),
        "registrations_by_forum": await _grouped(
            session, Registration.forum_id, Registration.status != "cancelled"
        ),
        "subscribers": await _count(
            session, Contact, Contact.subscribed.is_(True), Contact.opted_out.is_(False)
        ),
        "outbox": await _grouped(session, OutboxItem.status),
        "tickets": await tickets.response_times(session),
        # SMS per provider (issue 16): what each carried, and when each was last heard from.
        "sms_by_provider": await sms_by_provider(session),
        "sms_provider_health": await sms_health.summary(session),
        "limits": await limits_hit(session),
    }


# The overview's and `stats`' most asked entries: answers over this many days, this many shown.
MOST_ASKED_DAYS = 30
MOST_ASKED_SHOWN = 10


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _day(value) -> date:  # type: ignore[no-untyped-def]
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def answers_per_day(
    session: AsyncSession, start: datetime, end: datetime | None = None
) -> dict[date, dict[str, int]]:
    """Answers per day and FAQ entry from `start` (to `end`): a range of ix_messages_answered,
    which holds answered replies only."""
    day = func.date(Message.created_at)
    query = select(day, Message.entry_id, func.count()).where(
        Message.entry_id.is_not(None), Message.created_at >= start
    )
    if end is not None:
        query = query.where(Message.created_at < end)
    found: dict[date, dict[str, int]] = {}
    for value, entry, n in (await session.execute(query.group_by(day, Message.entry_id))).all():
        per_entry = found.setdefault(_day(value), {})
        per_entry[entry] = per_entry.get(entry, 0) + n
    return found


def top_entries(per_day: Iterable[dict[str, int]], limit: int) -> list[tuple[str, int]]:
    """The entries answered most over some days: (entry id, answers), the most first."""
    totals: dict[str, int] = {}
    for counts in per_day:
        for entry, n in counts.items():
            totals[entry] = totals.get(entry, 0) + n
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]


async def most_asked(
    session: AsyncSession,
    now: datetime,
    days: int = MOST_ASKED_DAYS,
    limit: int = MOST_ASKED_SHOWN,
) -> list[tuple[str, int]]:
    """The FAQ entries answered most over the last `days` days, today included."""
    since = day_start(now) - timedelta(days=days - 1)
    return top_entries((await answers_per_day(session, since)).values(), limit)


async def sms_by_provider(session: AsyncSession) -> dict[str, dict[str, int]]:
    """SMS outbox rows per provider and status ("-": not yet claimed by a provider's lane)."""
    rows = await session.execute(
        select(OutboxItem.provider, OutboxItem.status, func.count())
        .where(OutboxItem.channel == "sms")
        .group_by(OutboxItem.provider, OutboxItem.status)
    )
    found: dict[str, dict[str, int]] = {}
    for provider, status, count in rows.all():
        found.setdefault(provider or "-", {})[status] = count
    return found


# People listed per limit in `stats`: the heaviest first.
LIMIT_PEOPLE_SHOWN = 10


async def limits_hit(session: AsyncSession) -> dict[str, str]:
    """Who hit which cost limit (handlers/limits.py), one line per limit for staff's eyes:
    "loop_repeat": "14 messages: tel:…456 (12), telegram:…789 (2)", the heaviest first."""
    hits = await usage.limit_hits(session)
    lines = {}
    for name, hit in sorted(hits.items()):
        people = sorted(hit["people"], key=lambda p: -p[2])[:LIMIT_PEOPLE_SHOWN]
        who = ", ".join(f"{mask(address)} ({count})" for _, address, count in people)
        lines[name] = f"{hit['messages']} messages: {who}"
    return lines
