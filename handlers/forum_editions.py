"""Forum editions as people meet them: registration only for an edition staff opened; until then,
"tell me when registration opens" (the interest list); opening tells each person on it once.

knowledge/forums.yaml describes the forums; storage.forum_editions says which edition is open, with
its confirmed dates, place and capacity. `resolved_forums` combines the two for a turn.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.bundle import Knowledge
from knowledge.forums import Forum, Forums
from knowledge.text import fold
from storage import forum_editions, outbox
from storage.models import ForumEdition

logger = logging.getLogger(__name__)

NOTIFY = "PREVENIR"
KIND = "forum_open"


async def resolved_forums(
    session: AsyncSession, forums: Forums | None, *, with_closed: bool = False
) -> Forums | None:
    """The forums with their open editions: what registration works from. `with_closed`: also
    the latest closed edition's dates (registration closed, the forum still takes place), for
    reminders."""
    if forums is None:
        return None
    editions = (
        await forum_editions.latest_editions(session)
        if with_closed
        else await forum_editions.open_editions(session)
    )
    for forum_id, edition in editions.items():
        forum = forums.get(forum_id)
        if forum is not None:
            forums = forums.replace_forum(_with(forum, edition))
    return forums


def _with(forum: Forum, edition: ForumEdition) -> Forum:
    opened_on = forum.local_date(edition.opened_at)
    opened = forum.with_edition(
        edition.starts_on, edition.ends_on, edition.place, edition.capacity, opened_on, edition.id
    )
    return opened if edition.status == forum_editions.OPEN else replace(opened, edition_open=False)


def offer(ctx: Context, forum: Forum) -> list[Reply]:
    """A forum with no open edition: say so, and offer to tell the person when it opens."""
    return [
        Reply(
            ctx.t("editions.closed", forum=forum.short_name[ctx.lang], id=forum.id),
            (ctx.option("editions.notify_button", f"{NOTIFY} {forum.id}"),),
        )
    ]


def offer_all(ctx: Context, forums: Forums) -> list[Reply]:
    """No forum is open: each one can be followed."""
    options = tuple(
        Option(forum.short_name[ctx.lang], f"{NOTIFY} {forum.id}")
        for forum in forums.forums.values()
    )
    return [Reply(ctx.t("editions.none_open"), options)]


async def notify_me(ctx: Context) -> list[Reply] | None:
    """PREVENIR <forum>: the person asks to be told when registration opens (their consent)."""
    from handlers import registration  # registration offers this; the import goes one way here

    forums = await resolved_forums(ctx.session, ctx.knowledge.forums)
    if forums is None:
        return None
    forum = registration.find_forum(forums, ctx.args) if ctx.args else None
    if forum is None and ctx.args and not set(fold(ctx.args).split()) & registration.FORUM_WORDS:
        return None  # "prévenir ma famille ..." is a question for the FAQ, not a forum
    if forum is None:
        return offer_all(ctx, forums)
    if forum.is_open(ctx.now):  # already open: no need to wait
        return await registration.start_forum(ctx, forum)
    added = await forum_editions.add_interest(ctx.session, ctx.contact, forum.id, ctx.now)
    key = "editions.interest_added" if added else "editions.interest_already"
    return [Reply(ctx.t(key, forum=forum.short_name[ctx.lang]))]


async def open_and_notify(
    session: AsyncSession,
    knowledge: Knowledge,
    forum_id: str,
    *,
    starts_on: date,
    ends_on: date,
    place: str,
    capacity: int,
    actor: str,
    now: datetime,
) -> tuple[ForumEdition, int]:
    """Open an edition (audited) and queue one message for each person waiting for it.

    All in the caller's transaction: the edition, the messages and the emptied list exist
    together or not at all. The outbox's dedupe key (edition, person) keeps a message from being
    queued twice; the dispatcher's claims keep it from being sent twice, even if killed.
    """
    from handlers.registration import dates_text

    forums = knowledge.forums
    forum = forums.get(forum_id) if forums else None
    if forum is None:
        known = ", ".join(forums.forums) if forums else ""
        raise forum_editions.EditionError(
            f"no forum {forum_id!r} in forums.yaml ({known})", "unknown_forum"
        )
    edition = await forum_editions.open_edition(
        session,
        forum_id,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place,
        capacity=capacity,
        actor=actor,
        now=now,
    )
    opened = _with(forum, edition)
    queued = 0
    for person in await forum_editions.waiting_for(session, forum_id):
        if person.opted_out or person.unreachable:
            continue  # STOP wins over an earlier request
        lang = person.language if knowledge.locales.supports(person.language) else "fr"
        text = knowledge.locales.t(
            lang,
            "editions.opened_notice",
            forum=opened.short_name[lang],
            dates=dates_text(knowledge.locales, opened, lang),
            place=edition.place,
            id=forum_id,
        )
        item = await outbox.enqueue(
            session,
            person,
            text,
            kind=KIND,
            source=f"forum:{forum_id}",
            dedupe_key=f"forum-open:{edition.id}:{person.id}",
            now=now,
        )
        queued += item is not None
    await forum_editions.forget_interest(session, forum_id)
    logger.info("forum %s opened (edition %s): %d told", forum_id, edition.id, queued)
    return edition, queued


KEYWORDS = [
    Keyword(
        ("prevenir", "me prevenir", "notify", "notify me"),
        notify_me,
        takes_argument=True,
    ),
]
