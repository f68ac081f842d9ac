"""The real Telegram sender (`bot.channels.telegram_send.TelegramSender`) over a real
python-telegram-bot `ExtBot` with the channel's own rate limiter, talking HTTP to the fake Bot
API: what the dispatcher and crash tests send with (no test-only error map)."""

from __future__ import annotations

from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.channels.telegram_limits import TelegramRateLimiter
from bot.channels.telegram_send import TelegramSender

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"


class PtbSender(TelegramSender):
    def __init__(
        self, api_url: str, token: str = TOKEN, pool: int = 64, reply_rate: float = 30.0
    ) -> None:
        super().__init__(
            ExtBot(
                token,
                base_url=f"{api_url}/bot",
                request=HTTPXRequest(connection_pool_size=pool, read_timeout=10, pool_timeout=10),
                rate_limiter=TelegramRateLimiter(reply_rate),
            )
        )

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()
