"""Sending a poll, for the command line and the back office alike: the invitation each language
and channel receives, the preview (the broadcasts' own), and the send through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import announcements
from handlers.announcements import Preview
from knowledge.locales import Locales
from knowledge.polls import LANGUAGES, Poll, option_value, pick, sms_question
from storage import polls as store
from storage.audience import Audience
from storage.models import PollRecord, PollSend


def invitations(locales: Locales, poll: Poll) -> dict[str, store.Invitation]:
    """Per language: the first question with the invitation around it, as Telegram and SMS
    show it, and the options its numbers mean."""
    first = poll.questions[0]
    found = {}
    for lang in LANGUAGES:
        found[lang] = store.Invitation(
            sms=sms_question(locales, poll, first, lang, invitation=True),
            plain=sms_question(locales, poll, first, lang, invitation=True, sms=False),
            buttons=sms_question(
                locales, poll, first, lang, invitation=True, sms=False, buttons=True
            ),
            options=[
                [pick(o.label, lang), option_value(poll.id, first.id, o.value)]
                for o in first.options
            ],
        )
    return found


def send_time(poll: Poll, now: datetime, at: datetime | None = None) -> datetime:
    """When the invitations go: at `at`, or now, or when the poll opens if that is later and no
    time was given. `PollStateError("closes_first")` if the poll closes by then."""
    when = at or now
    if at is None and poll.opens is not None and poll.opens > now:
        when = poll.opens  # invited when the poll opens, not before
    if poll.closes is not None and when >= poll.closes:
        raise store.PollStateError("closes_first", f"poll {poll.id} closes before that time")
    return when


async def preview(
    session: AsyncSession,
    locales: Locales,
    poll: Poll,
    audience: Audience,
    *,
    now: datetime,
    interval: timedelta,
) -> Preview:
    """Who would be invited (left out: people already invited to this poll or to any poll in
    `interval`), by language and channel, and the SMS cost of the invitation."""
    texts = invitations(locales, poll)
    return await announcements.preview(
        session,
        texts["fr"].sms,
        texts["en"].sms,
        audience,
        store.send_conditions(poll.id, now, interval),
    )


async def send(
    session: AsyncSession,
    locales: Locales,
    record: PollRecord,
    poll: Poll,
    audience: Audience,
    *,
    send_at: datetime,
    interval: timedelta,
    actor: str,
    now: datetime,
) -> PollSend:
    """Invite the audience through the outbox (audited)."""
    return await store.send(
        session,
        record,
        audience,
        invitations(locales, poll),
        send_at=send_at,
        interval=interval,
        actor=actor,
        now=now,
    )
