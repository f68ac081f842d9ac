"""People on SMS and Telegram for the issue-13 tests: the same words, two renderings."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from bot.channels.render import render_for_sms
from bot.channels.telegram_render import render_telegram
from bot.conversation import Conversation
from knowledge.gsm7 import segments
from storage.db import Database
from storage.models import Contact, KnowledgeGap, Ticket
from tests.chat import Chat

CHANNELS = ("sms", "telegram")
SMS_BUDGET = 2  # SMS_MAX_SEGMENTS' default


def person(
    conversation: Conversation, channel: str, n: int = 1, language_hint: str | None = None
) -> Chat:
    if channel == "sms":
        return Chat(
            conversation,
            f"tel:+2237612{n:04d}",
            "sms",
            render=partial(render_for_sms, max_segments=SMS_BUDGET),
        )
    return Chat(
        conversation,
        f"telegram:{5000 + n}",
        "telegram",
        render=render_telegram,
        language_hint=language_hint,
    )


def sms_segments(chat: Chat) -> int:
    """Segments of the last turn's SMS replies (what the person paid for)."""
    assert chat.turn is not None
    return sum(segments(out.text).segments for out in chat.turn.outgoing)


async def contact(db: Database, chat: Chat) -> Contact:
    async with db.transaction() as session:
        found = await session.scalar(select(Contact).where(Contact.address == chat.address))
        assert found is not None
        return found


async def gap_count(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(KnowledgeGap)) or 0


async def tickets(db: Database) -> list[Ticket]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))
