"""The sender of a channel this service does not run (no TELEGRAM_BOT_TOKEN, no Twilio keys).

Without it, rows queued for such a channel (an announcement to SMS people before SMS was turned
off, a staff notice while Telegram is off) would stay `queued` for ever. With it, each attempt
fails as a transient error: the dispatcher retries on its schedule (so a channel turned back on
in time still delivers), then marks the row `failed` with this reason: every message reaches a
final state.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.base import SendResult


@dataclass(frozen=True)
class UnconfiguredSender:
    channel: str

    async def send(self, address: str, text: str) -> SendResult:
        return SendResult(ok=False, error=f"the {self.channel} channel is not configured")
