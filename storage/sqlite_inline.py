"""SQLite run on the event loop's own thread, with a worker thread only to wait for a lock.

aiosqlite runs every call (cursor, execute, fetchall, close, commit) in its own thread and hands
each result back through the event loop: about 60 hand-offs per inbound message here, each a
GIL switch and a loop wake-up, and together most of the CPU a message cost. The statements
themselves (indexed lookups and small inserts on a local WAL file, without fsync at commit under
`synchronous=NORMAL`) take tens of microseconds, less than one hand-off.

So this connection runs statements inline, and it is given to SQLAlchemy's aiosqlite dialect
through `create_async_engine(async_creator=...)`, the documented seam for a driver connection
made by the application. It speaks the small part of aiosqlite's interface the dialect uses.

The one thing that must not run inline is WAITING: SQLite's busy handler sleeps while another
connection (another process, or another pooled connection) holds the write lock, and sleeping
on the event loop would stop every other request. The connection's busy timeout is therefore 0:
a statement that finds the database locked fails at once with SQLITE_BUSY, having done nothing,
and is run again in a worker thread with the real busy timeout. (With BEGIN IMMEDIATE that is
the BEGIN: later statements of the transaction already hold the lock.)

The price: a slow statement (a large INSERT ... SELECT of a broadcast) blocks the loop for its
duration. With one pooled connection per process it blocked every other database user anyway.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error)


class InlineCursor:
    def __init__(self, connection: InlineConnection) -> None:
        self._owner = connection
        self._cursor = connection._conn.cursor()

    # aiosqlite's `connection.cursor()` may be awaited or used with `async with`.
    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        args = (sql,) if parameters is None else (sql, parameters)
        await self._owner.run(self._cursor.execute, *args)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)  # may be run twice (busy)
        await self._owner.run(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _CursorFactory:
    """What `connection.cursor()` returns: awaitable, and an async context manager."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor: InlineCursor | None = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.__aenter__().__await__()

    async def __aenter__(self) -> InlineCursor:
        self._cursor = InlineCursor(self._connection)
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class InlineConnection:
    """One sqlite3 connection, used from the event loop; waits for locks in a thread."""

    def __init__(self, conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self._conn = conn
        self._connection = conn  # the dialect checks this to know the connection is open
        self.busy_timeout_ms = busy_timeout_ms
        conn.execute("PRAGMA busy_timeout=0")

    @property
    def raw(self) -> sqlite3.Connection:
        return self._conn

    async def run(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if not is_busy(error) or self.busy_timeout_ms <= 0:
                raise
        waiting = asyncio.ensure_future(asyncio.to_thread(self._wait_and_run, call, *args))
        try:
            return await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The thread cannot be stopped: let it finish before anyone (a rollback) touches
            # the connection again, then let the cancellation go on.
            await asyncio.wait([waiting])
            raise

    def _wait_and_run(self, call: Callable[..., Any], *args: Any) -> Any:
        self._conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        try:
            return call(*args)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value

    def cursor(self) -> _CursorFactory:
        return _CursorFactory(self)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self.run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self._connection = None
        self._conn.close()

    def stop(self) -> None:
        """Force-close (SQLAlchemy's terminate); nothing runs elsewhere to stop."""
        self._connection = None
        self._conn.close()


def connector(path: str, busy_timeout_ms: int) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine`: a new inline connection to `path`."""

    async def connect() -> InlineConnection:
        # isolation_level=None: no implicit transactions; BEGIN is emitted by storage/db.py.
        # check_same_thread=False: the worker thread that waits for a lock uses it too (never
        # at the same time as the loop: the caller awaits it).
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        return InlineConnection(conn, busy_timeout_ms)

    return connect
