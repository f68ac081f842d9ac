"""A minimal Telegram sender for the dispatcher's end-to-end tests: a real python-telegram-bot
`Bot` talking HTTP to the fake Bot API. The real channel adapter (bot/channels) replaces it once
merged; it maps provider answers to `SendResult` the same way.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.base import SendResult

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"


class PtbSender:
    channel = "telegram"

    def __init__(self, api_url: str, token: str = TOKEN, pool: int = 64) -> None:
        self.bot = Bot(
            token,
            base_url=f"{api_url}/bot",
            request=HTTPXRequest(connection_pool_size=pool, read_timeout=10, pool_timeout=10),
        )

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def send(self, address: str, text: str) -> SendResult:
        chat_id = int(address.partition(":")[2])
        try:
            message = await self.bot.send_message(chat_id, text)
        except RetryAfter as exc:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return SendResult(ok=False, error="429 flood control", retry_after=seconds)
        except Forbidden as exc:
            return SendResult(
                ok=False, error=f"403 {exc.message}", permanent=True, unreachable=True
            )
        except BadRequest as exc:
            return SendResult(ok=False, error=f"400 {exc.message}", permanent=True)
        except TimedOut:
            return SendResult(ok=False, error="timed out", uncertain=True)
        except NetworkError as exc:
            return SendResult(ok=False, error=f"network: {exc.message}")
        return SendResult(ok=True, provider_id=f"{chat_id}:{message.message_id}")
