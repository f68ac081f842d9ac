"""Process Telegram updates chat by chat: in order within a chat, chats side by side.

PTB processes updates one at a time by default: one slow answer (a database under load, a
429 pause) then holds up every other person. PTB's concurrent mode would answer a burst of
messages from one person out of order. This processor does both right: updates of one chat wait
for each other in arrival order, and up to `max_chats` chats are served at once.

Order holds because PTB starts one task per update in arrival order, and a task takes its chat's
lock (asyncio locks are first come, first served) before anything can make it wait: the
concurrency limit is applied only once the lock is held, never before. PTB's own semaphore is
therefore set far above what can be reached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Chats answered at the same time; the database pool (10 + 10 on PostgreSQL) is the real limit.
MAX_CHATS = 8
_UNBOUNDED = 1_000_000


def chat_key(update: object) -> int | None:
    """Which queue an update waits in: its chat, else its sender; None for the rest."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_chats: int = MAX_CHATS) -> None:
        super().__init__(_UNBOUNDED)
        self._slots = asyncio.Semaphore(max_chats)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # forget idle chats, so memory does not grow with people
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
