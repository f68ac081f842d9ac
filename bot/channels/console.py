"""The console channel's sender: a bulk message to a `console:` person is delivered by being
stored as an outbound message, which `diaspora-bot chat` shows at the start of their next session.

The dispatcher stores every sent outbox row in the message log anyway, so there is nothing else to
do here: the console "provider" accepts everything at once.
"""

from __future__ import annotations

from bot.channels.base import SendResult


class ConsoleSender:
    channel = "console"

    async def send(self, address: str, text: str) -> SendResult:
        return SendResult(ok=True)
