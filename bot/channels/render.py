"""How each channel shows the core's replies, chosen by channel name."""

from __future__ import annotations

from bot.conversation import Renderer, render_plain
from bot.settings import Settings


def renderer_for(channel: str, settings: Settings) -> Renderer:
    """The renderer a channel's adapter uses; the console shows replies as they are."""
    return {"console": render_plain}.get(channel, render_plain)
