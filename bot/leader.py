"""Leader election: exactly one process runs the scheduler.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
dedicated connection for as long as it leads. If its process dies, PostgreSQL ends the session
and frees the lock; a follower, trying every `retry` seconds, takes over. SQLite has one process:
it leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

logger = logging.getLogger(__name__)

# Any 64-bit number all our processes agree on (the bytes of "dsp-schd").
LOCK_KEY = int.from_bytes(b"dsp-schd", "big")

Callback = Callable[[], Awaitable[None]]


class Leadership:
    def __init__(
        self,
        db: Database,
        on_elected: Callback,
        on_deposed: Callback,
        *,
        retry: float = 5.0,
        key: int = LOCK_KEY,
    ) -> None:
        self.db = db
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.retry = retry
        self.key = key
        self.leading = False
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._step_down()

    async def _run(self) -> None:
        if not self.db.is_postgres:
            try:
                await self._elected()
            except Exception:
                logger.exception("the scheduler could not start")
            await asyncio.Event().wait()  # the only process leads until it stops
        while True:
            try:
                if not self.leading and await self._try_lock():
                    await self._elected()
                elif self.leading and not await self._still_holding():
                    logger.warning("lost the scheduler lock's connection: stepping down")
                    await self._step_down()
                    continue  # try again at once: the lock may be free
            except Exception:
                logger.exception("leader election failed; retrying")
                await self._step_down()
            await asyncio.sleep(self.retry)

    async def _try_lock(self) -> bool:
        connection = await self.db.engine.connect()
        try:
            # Autocommit: a leader must not sit in an open transaction for days.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
        except Exception:
            await connection.close()
            raise
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def _still_holding(self) -> bool:
        assert self._connection is not None
        try:
            held = await asyncio.wait_for(
                self._connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid() AND granted"
                    )
                ),
                timeout=max(self.retry, 1.0),
            )
        except Exception:
            return False
        return bool(held)

    async def _elected(self) -> None:
        self.leading = True
        logger.info("this process now runs the scheduler")
        await self.on_elected()

    async def _step_down(self) -> None:
        if self.leading:
            self.leading = False
            try:
                await self.on_deposed()
            except Exception:
                logger.exception("stopping the scheduler failed")
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
            with contextlib.suppress(Exception):
                await connection.invalidate()  # never back to the pool with a lock on it
            with contextlib.suppress(Exception):
                await connection.close()
