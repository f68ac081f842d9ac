"""How each channel shows the core's replies, chosen by channel name."""

from __future__ import annotations

from functools import partial

from bot.channels.sms_render import render_sms
from bot.conversation import Outgoing, Renderer, render_plain
from bot.settings import Settings
from handlers.vocabulary import Reply
from knowledge.bundle import Knowledge
from storage.models import Contact


def render_for_sms(
    replies: list[Reply], contact: Contact, knowledge: Knowledge, *, max_segments: int
) -> list[Outgoing]:
    """GSM-7 text within the segment budget; what does not fit waits for PLUS / MORE."""
    rendering = render_sms(
        replies,
        max_segments=max_segments,
        more_hint=knowledge.locales.t(contact.language, "more.hint"),
    )
    contact.more_text = rendering.rest or None
    if not rendering.messages:
        return []
    *first, last = rendering.messages
    # The numbered options are in the text; they ride along on the last message for JSON output.
    return [*(Outgoing(text) for text in first), Outgoing(last, rendering.options)]


def renderer_for(channel: str, settings: Settings) -> Renderer:
    """The renderer a channel's adapter uses; the console shows replies as they are."""
    if channel == "sms":
        return partial(render_for_sms, max_segments=settings.sms_max_segments)
    if channel == "telegram":
        # Imported here: python-telegram-bot is a fifth of the console chat's imports.
        from bot.channels.telegram_render import render_telegram  # noqa: PLC0415

        return render_telegram
    return render_plain
