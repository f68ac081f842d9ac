from __future__ import annotations

from functools import partial

import pytest

from bot.channels.render import render_for_sms
from bot.conversation import Conversation, Turn
from handlers.context import HandlerConfig
from handlers.vocabulary import Inbound
from tests.chat import Chat, FakeClock

ADMIN, AGENT, STRANGER = "1001", "1002", "4242"
STAFF_GROUP = "-100500"


@pytest.fixture
def config(clock: FakeClock) -> HandlerConfig:
    return HandlerConfig(
        clock=clock,
        staff_admins=frozenset({ADMIN}),
        staff_agents=frozenset({AGENT}),
        staff_chat_id=STAFF_GROUP,
    )


def sms_chat(conversation: Conversation, number: str = "+22376123456") -> Chat:
    return Chat(
        conversation, f"tel:{number}", "sms", render=partial(render_for_sms, max_segments=3)
    )


def telegram_chat(
    conversation: Conversation, user_id: str, language: str = "fr", name: str | None = None
) -> Chat:
    """A person's private chat with the bot: the chat id is their user id; their Telegram app
    says which language it is set to (and their name, when a test needs it)."""
    return Chat(
        conversation,
        f"telegram:{user_id}",
        "telegram",
        user_id=user_id,
        language_hint=language,
        user_name=name,
    )


async def in_group(
    conversation: Conversation, user_id: str, text: str, reply_to: str | None = None
) -> Turn:
    """A message in the staff group, as the Telegram adapter hands it over."""
    inbound = Inbound(
        "telegram",
        f"telegram:{STAFF_GROUP}",
        text,
        user_id=user_id,
        reply_to=reply_to,
        received_at=conversation.config.clock(),
    )
    return await conversation.handle(inbound)


def said(turn: Turn) -> str:
    return "\n".join(o.text for o in turn.outgoing)
