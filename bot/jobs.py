"""What the scheduler runs: the awareness series, forum reminders, due broadcasts.

Every job is safe to run twice for the same scheduled time (a new leader may repeat the run a
dead one did not finish): outbox dedupe keys and per-person progress make repeats no-ops.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from handlers.forum_reminders import queue_due_reminders
from knowledge.awareness import DEFAULT_SERIES, Series
from knowledge.awareness import series as load_series
from knowledge.bundle import Knowledge
from knowledge.locales import Locales
from storage import broadcasts, subscriptions
from storage.db import Database
from storage.retention import remove_old_texts

logger = logging.getLogger(__name__)

AWARENESS_BATCH = 500

Job = Callable[[datetime], Awaitable[int]]


async def awareness(
    db: Database,
    run_at: datetime,
    *,
    series: Series | None = None,
    batch: int = AWARENESS_BATCH,
    locales: Locales | None = None,
) -> int:
    """Queue the NEXT message of the series for every subscriber; returns how many were queued.

    Per-person progress (`awareness_next`): a newcomer starts at message 1, and someone who has
    had the whole series gets nothing more (until messages are added to it). SMS gets the short
    version, other channels the longer one, in the person's language. Quiet hours are applied by
    the dispatcher, per person, when each row comes due.
    """
    series = series or load_series(DEFAULT_SERIES)
    queued, after_id = 0, 0
    while True:
        async with db.transaction() as session:
            people = await subscriptions.due_subscribers(
                session, run_at=run_at, last_number=len(series), after_id=after_id, limit=batch
            )
            if not people:
                break
            rows = []
            for person in people:
                message = series.message(person.next_number)
                assert message is not None  # the query keeps people within the series
                rows.append(
                    {
                        "contact_id": person.id,
                        "channel": person.channel,
                        "address": person.address,
                        "text": message.for_channel(
                            person.channel, person.language, locales=locales
                        ),
                        "kind": "awareness",
                        "source": f"campaign:{series.id}",
                        "dedupe_key": f"awareness:{series.id}:{message.number}:{person.id}",
                        "status": "queued",
                        "attempts": 0,
                        "next_attempt_at": run_at,
                        "created_at": run_at,
                    }
                )
            queued += await subscriptions.queue_batch(session, rows, people, run_at)
            after_id = people[-1].id
    logger.info("awareness %s: %d messages queued for the run of %s", series.id, queued, run_at)
    return queued


async def forum_reminders(
    db: Database, knowledge: Knowledge, now: datetime, days_before: tuple[int, ...] = (7, 1)
) -> int:
    """Queue the reminders of forums coming up (the registration feature decides which)."""
    async with db.transaction() as session:
        return await queue_due_reminders(session, knowledge, now, days_before)


async def due_broadcasts(db: Database, now: datetime) -> int:
    """Expand scheduled broadcasts whose time has come into outbox rows (staff feature)."""
    async with db.transaction() as session:
        return await broadcasts.queue_due(session, now) or 0


async def retention(db: Database, run_at: datetime, *, days: int) -> int:
    """Remove message texts older than `days` (0: keep them); the rows and counts stay."""
    if days <= 0:
        return 0
    async with db.transaction() as session:
        removed = await remove_old_texts(session, run_at - timedelta(days=days))
    logger.info("retention: texts older than %d days removed from %d rows", days, removed)
    return removed
