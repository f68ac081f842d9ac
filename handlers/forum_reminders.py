"""Reminders before a forum: queued in the outbox N days before it starts, in each person's
language.

The seam for the scheduler: call `queue_due_reminders(session, knowledge, now, days_before)` once
a day (any hour: the forum's local date decides) with `Settings.reminder_days_before`
(`REMINDER_DAYS`, default "7,1"). It only queues: the dispatcher sends. Running it twice the same
day, or on two machines, queues nothing more: the dedupe key names the forum, the day count and
the registration.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import forum_editions
from knowledge.bundle import Knowledge
from knowledge.forums import Forum
from storage import outbox, registrations
from storage.models import Registration

logger = logging.getLogger(__name__)

DEFAULT_DAYS_BEFORE = (7, 1)


def reminder_text(
    knowledge: Knowledge, forum: Forum, registration: Registration, lang: str, days: int
) -> str:
    key = "registration.reminder_tomorrow" if days == 1 else "registration.reminder"
    return knowledge.locales.t(
        lang,
        key,
        forum=forum.short_name[lang],  # a translated language: the default's
        days=days,
        date=knowledge.locales.long_date(lang, forum.starts_on),
        place=forum.place[lang],
        code=registration.code,
    )


async def queue_due_reminders(
    session: AsyncSession,
    knowledge: Knowledge,
    now: datetime,
    days_before: Iterable[int] = DEFAULT_DAYS_BEFORE,
) -> int:
    """Queue a reminder for each confirmed registration of a forum starting in exactly N days
    (N in `days_before`, counted in the forum's local date); returns how many were queued.

    Forums whose dates are not confirmed get none: a reminder would state a placeholder date.
    People who said STOP or cannot be reached get none (a reminder is a message they did not
    write for).
    """
    # The open editions' dates: a forum without one has no date to remind anyone of.
    # (closing registration does not cancel the forum: a closed edition's dates still count).
    forums = await forum_editions.resolved_forums(session, knowledge.forums, with_closed=True)
    if forums is None:
        return 0
    wanted = set(days_before)
    queued = 0
    for forum in forums.forums.values():
        days = forum.days_until(now)
        if not forum.dates_confirmed or days not in wanted:
            continue
        # Only the edition whose dates these are: an earlier edition's people are not reminded.
        for registration, contact in await registrations.confirmed_with_contacts(
            session, forum.id, forum.edition_id
        ):
            if contact.opted_out or contact.unreachable:
                continue
            item = await outbox.enqueue(
                session,
                contact,
                reminder_text(knowledge, forum, registration, contact.language, days),
                kind="reminder",
                source=f"reminder:{forum.id}",
                dedupe_key=f"reminder:{forum.id}:{days}d:{registration.id}",
                now=now,
            )
            queued += item is not None
        logger.info("reminders for %s, %d days before: %d queued so far", forum.id, days, queued)
    return queued
