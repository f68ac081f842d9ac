"""Telegram's rate limits for direct replies, as python-telegram-bot's `BaseRateLimiter`.

One limiter per channel and per kind of send (issue 14):

- **Bulk and later messages** (the outbox) are paced by the dispatcher alone (`Pacer`, at
  `TELEGRAM_MAX_RATE`). Its sender marks each call `rate_limit_args=PACED_BY_DISPATCHER`, and
  this limiter lets such a call straight through: no second pacing, and no retry inside the
  send, so a 429 goes back to the dispatcher at once, which pauses the channel for
  `retry_after` and puts the row back in the queue for then (never `unknown`).
- **Replies** (answers within a turn) go through the limits below: at most `TELEGRAM_MAX_RATE`
  a second for the whole bot, about one a second to one private chat (a burst of 3, so one
  turn's replies are not held apart) and 20 a minute to a group, Telegram's published limits.
  A 429 pauses every reply for `retry_after` and the reply is tried again, up to `max_retries`.

Shaped like PTB's own `AIORateLimiter` (aiolimiter's leaky buckets, from the `rate-limiter`
extra), which has no per-chat limit for private chats and no way to pass bulk sends through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

PACED_BY_DISPATCHER = "paced-by-dispatcher"
PRIVATE_CHAT_BURST = 3  # messages at once to one person, then about one a second
PRIVATE_CHAT_PERIOD = 3.0
GROUP_PER_MINUTE = 20
MAX_CHAT_LIMITERS = 1024  # idle ones are forgotten past this many


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int form; both forms are read
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramRateLimiter(BaseRateLimiter[str]):
    def __init__(self, max_rate: float, *, max_retries: int = 3) -> None:
        self.overall = AsyncLimiter(max_rate, 1) if max_rate > 0 else None
        self.max_retries = max_retries
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._resume = asyncio.Event()
        self._resume.set()

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) >= MAX_CHAT_LIMITERS:
                for key, old in list(self._chats.items()):
                    if old.has_capacity(old.max_rate):  # idle: nothing to remember
                        del self._chats[key]
            group = isinstance(chat_id, str) or chat_id < 0
            limiter = (
                AsyncLimiter(GROUP_PER_MINUTE, 60)
                if group
                else AsyncLimiter(PRIVATE_CHAT_BURST, PRIVATE_CHAT_PERIOD)
            )
            self._chats[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == PACED_BY_DISPATCHER:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        for attempt in range(self.max_retries + 1):
            async with contextlib.AsyncExitStack() as limits:
                if chat_id is not None:  # sends; getUpdates, getMe... are not limited
                    await limits.enter_async_context(self._chat_limiter(chat_id))
                    if self.overall is not None:
                        await limits.enter_async_context(self.overall)
                await self._resume.wait()
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as error:
                    if attempt == self.max_retries:
                        raise
                    pause = retry_after_seconds(error) + 0.1
            logger.info("telegram: 429 on %s; replies pause %.1fs", endpoint, pause)
            self._resume.clear()
            try:
                await asyncio.sleep(pause)
            finally:
                self._resume.set()
        raise AssertionError("unreachable")  # pragma: no cover
