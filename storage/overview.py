"""The back office's overview: every figure is one aggregate query over an index (see the
indexes at the end of storage/models.py and benchmarks/dashboard.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

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


_day = stats._day

# Counts of days that are over, per database and figure: messages of a past day do not change
# (but for a person's erasure, which the next process start takes into account), so each process
# reads them once and then only today's: the page does not rescan a month of messages each time.
_closed_days: dict[tuple[str, str], dict[date, Any]] = {}


async def _per_day(
    session: AsyncSession,
    now: datetime,
    days: int,
    cache_key: str | None,
    figure: str,
    count: Callable[[AsyncSession, datetime, datetime | None], Awaitable[dict[date, Any]]],
    nothing: Any,
) -> tuple[datetime, dict[date, Any]]:
    """`count(session, start, end)` per day over the last `days` days, today included: past
    days from the process's cache (read once), today's counted live. The first day, and the
    counts by day (days without any: absent, or `nothing` for a past day)."""
    today = stats.day_start(now)
    since = today - timedelta(days=days - 1)
    counts = await count(session, today, None)
    closed = _closed_days.setdefault((cache_key, figure), {}) if cache_key else {}
    first_missing = next(
        (since + timedelta(days=i) for i in range(days - 1) if (since + timedelta(days=i)).date()
         not in closed),
        None,
    )  # fmt: skip
    if first_missing is not None:
        fresh = await count(session, first_missing, today)
        for i in range((today - first_missing).days):
            d = (first_missing + timedelta(days=i)).date()
            closed[d] = fresh.get(d, nothing)
    for d in [d for d in closed if d < since.date()]:
        del closed[d]
    counts.update({d: value for d, value in closed.items() if d >= since.date()})
    return since, counts


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
    since, counts = await _per_day(session, now, days, cache_key, "messages", _count_days, (0, 0))
    incoming = {d: pair[0] for d, pair in counts.items() if pair[0]}
    outgoing = {d: pair[1] for d, pair in counts.items() if pair[1]}
    return [since.date() + timedelta(days=i) for i in range(days)], incoming, outgoing


async def most_asked(
    session: AsyncSession, now: datetime, cache_key: str | None = None
) -> list[tuple[str, int]]:
    """`stats.most_asked` for the overview: the same days, past days' counts read once."""
    _, counts = await _per_day(
        session, now, stats.MOST_ASKED_DAYS, cache_key, "answers", stats.answers_per_day, {}
    )
    return stats.top_entries(counts.values(), stats.MOST_ASKED_SHOWN)


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
        most_asked=await most_asked(session, now, cache_key),
        limit_days=limit_days,
        limit_hits=await usage.recent_limit_hits(
            session, datetime.combine(limit_days[0], time(), now.tzinfo)
        ),
        sms_providers=await sms_health.providers(session),
    )
