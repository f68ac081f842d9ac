"""The back office's overview: every figure is one aggregate query over an index (see the
indexes at the end of storage/models.py and benchmarks/dashboard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import sms_health, stats, tickets, usage
from storage.models import (
    Contact,
    KnowledgeGap,
    Message,
    OutboxItem,
    Registration,
    SmsProviderHealth,
)

DAYS = 30
LIMIT_DAYS = 7  # cost-limit hits shown: the last week, day by day
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
    most_asked: list[tuple[str, int]]
    limit_days: list[date]
    limit_hits: list[usage.RecentHits]
    sms_providers: list[SmsProviderHealth]


def _day(value) -> date:  # type: ignore[no-untyped-def]
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# Counts of days that are over, per database: messages of a past day do not change (but for a
# person's erasure, which the next process start takes into account), so each process reads them
# once and then only today's messages: the page does not rescan a month of messages each time.
_closed_days: dict[str, dict[date, tuple[int, int]]] = {}


async def _count_days(
    session: AsyncSession, start: datetime, end: datetime | None
) -> dict[date, tuple[int, int]]:
    day = func.date(Message.created_at)
    query = select(day, Message.direction, func.count()).where(Message.created_at >= start)
    if end is not None:
        query = query.where(Message.created_at < end)
    counts: dict[date, list[int]] = {}
    for value, direction, n in (
        await session.execute(query.group_by(day, Message.direction))
    ).all():
        counts.setdefault(_day(value), [0, 0])[0 if direction == "in" else 1] += n
    return {d: (pair[0], pair[1]) for d, pair in counts.items()}


async def messages_per_day(
    session: AsyncSession, now: datetime, days: int = DAYS, cache_key: str | None = None
) -> tuple[list[date], dict[date, int], dict[date, int]]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=days - 1)
    counts = await _count_days(session, today, None)
    closed = _closed_days.setdefault(cache_key, {}) if cache_key else {}
    first_missing = next(
        (since + timedelta(days=i) for i in range(days - 1) if (since + timedelta(days=i)).date()
         not in closed),
        None,
    )  # fmt: skip
    if first_missing is not None:
        fresh = await _count_days(session, first_missing, today)
        for i in range((today - first_missing).days):
            d = (first_missing + timedelta(days=i)).date()
            closed[d] = fresh.get(d, (0, 0))
    for d in [d for d in closed if d < since.date()]:
        del closed[d]
    counts.update({d: pair for d, pair in closed.items() if d >= since.date()})
    incoming = {d: pair[0] for d, pair in counts.items() if pair[0]}
    outgoing = {d: pair[1] for d, pair in counts.items() if pair[1]}
    return [since.date() + timedelta(days=i) for i in range(days)], incoming, outgoing


async def people(
    session: AsyncSession,
) -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
    """People, and by channel, language and country: one scan of ix_contacts_profile."""
    rows = await session.execute(
        select(Contact.channel, Contact.language, Contact.country, func.count())
        .where(stats.PEOPLE)
        .group_by(Contact.channel, Contact.language, Contact.country)
    )
    total, channels, languages, countries = 0, {}, {}, {}
    for channel, language, country, n in rows.all():
        total += n
        channels[channel] = channels.get(channel, 0) + n
        languages[language] = languages.get(language, 0) + n
        key = country or UNKNOWN
        countries[key] = countries.get(key, 0) + n
    return total, channels, languages, countries


async def load(session: AsyncSession, now: datetime, cache_key: str | None = None) -> Overview:
    days, incoming, outgoing = await messages_per_day(session, now, cache_key=cache_key)
    total, channels, languages, countries = await people(session)
    limit_days = days[-LIMIT_DAYS:]
    return Overview(
        people=total,
        by_channel=channels,
        by_language=languages,
        by_country=countries,
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
        most_asked=await stats.most_asked(session, now),
        limit_days=limit_days,
        limit_hits=await usage.recent_limit_hits(
            session, datetime.combine(limit_days[0], time(), now.tzinfo)
        ),
        sms_providers=await sms_health.providers(session),
    )
