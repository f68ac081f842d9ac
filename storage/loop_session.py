"""SQLite transactions run on the event loop, with SQLAlchemy's synchronous Session.

`sqlite_inline` already runs SQLite's statements on the event loop's thread, under SQLAlchemy's
asyncio layer. That layer still costs: every `await session.execute()` starts a greenlet, and
every driver call inside it switches back to the loop and returns again, to await a coroutine
that never waits. For an SMS turn that was about a third of the CPU of its database work.

Here, for a SQLite file, `Database.transaction()` hands out a `LoopSession`: the methods of
`AsyncSession` this project uses, as coroutines that call a plain synchronous `Session` at once.
Callers cannot tell the difference (they await the same methods), and PostgreSQL keeps the
real AsyncSession.

Two rules keep it safe:

- One transaction at a time: the one sqlite3 connection is taken with an asyncio lock, as the
  async engine's pool of one connection did. (Transactions never nest here; they did not before.)
- Waiting for another process's write lock happens in a worker thread, never on the loop:
  `BEGIN IMMEDIATE` is tried at once with a busy timeout of 0, and only if the database is
  locked is it run again in a thread with the real timeout. Later statements of the transaction
  hold the lock and do not wait (WAL: readers never block).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from storage.sqlite_inline import InlineConnection

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")


class LoopSession:
    """`AsyncSession`'s surface over a synchronous `Session`: nothing here ever waits."""

    def __init__(self, session: Session) -> None:
        self.sync_session = session

    async def execute(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        return self.sync_session.execute(statement, params, **kwargs)

    async def scalar(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        return self.sync_session.scalar(statement, params, **kwargs)

    async def scalars(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        return self.sync_session.scalars(statement, params, **kwargs)

    async def stream_scalars(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        return _AsyncRows(self.sync_session.scalars(statement, params, **kwargs))

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        return self.sync_session.get(entity, ident, **kwargs)

    async def flush(self, objects: Any = None) -> None:
        self.sync_session.flush(objects)

    async def refresh(self, instance: Any, attribute_names: Any = None, **kwargs: Any) -> None:
        self.sync_session.refresh(instance, attribute_names, **kwargs)

    async def delete(self, instance: Any) -> None:
        self.sync_session.delete(instance)

    async def merge(self, instance: Any, **kwargs: Any) -> Any:
        return self.sync_session.merge(instance, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # The synchronous part of AsyncSession's surface: add, add_all, expunge, get_bind,
        # no_autoflush, dirty, new, info...
        return getattr(self.sync_session, name)

    def __contains__(self, instance: object) -> bool:
        return instance in self.sync_session

    def __iter__(self) -> Iterator[Any]:
        return iter(self.sync_session)


class _AsyncRows:
    """`async for` over rows already at hand (what `stream_scalars` returns)."""

    def __init__(self, rows: Any) -> None:
        self._rows = iter(rows)

    def __aiter__(self) -> _AsyncRows:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._rows)
        except StopIteration:
            raise StopAsyncIteration from None


class LoopDatabase:
    """One SQLite file, one connection, transactions one at a time on the event loop."""

    def __init__(self, path: str, busy_timeout_ms: int, *, echo: bool = False) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._inline: InlineConnection | None = None  # opened by the first transaction
        self.engine = create_engine(
            "sqlite://",
            creator=lambda: self.raw,
            poolclass=StaticPool,
            echo=echo,
            hide_parameters=True,
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._lock = asyncio.Lock()

    @property
    def raw(self) -> sqlite3.Connection:
        return self._connection().raw

    def _connection(self) -> InlineConnection:
        if self._inline is None:
            # isolation_level=None: sqlite3 begins nothing by itself; we BEGIN IMMEDIATE.
            # check_same_thread=False: the thread that waits for a lock uses it too (never at
            # the same time as the loop: the loop awaits it).
            raw = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in PRAGMAS:
                raw.execute(pragma)
            self._inline = InlineConnection(raw, self.busy_timeout_ms)  # busy timeout 0 here
            # SQLAlchemy's first use of a connection ends with a ROLLBACK: let it happen now,
            # not inside the first transaction (which it would silently end).
            self.engine.connect().close()
        return self._inline

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[LoopSession]:
        async with self._lock:
            connection = self._connection()
            try:
                # Tried at once; if another process holds the lock, waited for in a thread.
                await connection.run(connection.raw.execute, "BEGIN IMMEDIATE")
                with self.sessions() as session:
                    session.begin()  # nothing reaches SQLite (pysqlite's BEGIN is a no-op)
                    yield LoopSession(session)
                    session.commit()
            finally:
                # An error (or a cancellation, even while waiting for the lock) before the
                # commit: undo everything.
                if connection.raw.in_transaction:
                    connection.raw.rollback()

    def close(self) -> None:
        self.engine.dispose()
        if self._inline is not None:
            self._inline.stop()
            self._inline = None
