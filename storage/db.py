"""The database: an async engine, sessions, and migrations.

SQLite is the embedded default (one machine, one file); PostgreSQL is the engine for more.

Both engines use SQLAlchemy's `AsyncSession` as documented, over aiosqlite and asyncpg: the
same calls (nested transactions, `begin_nested`, `run_sync`, `commit`, lazy loads) behave the
same on both, and no statement runs on the event loop (aiosqlite runs SQLite in its own thread;
asyncpg waits on the socket). See docs/architecture.md, "One session model".
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_TIMEOUT_S = 30  # waiting for the writing connection: beyond this, something is stuck
SQLITE_READERS = 2  # connections for read-only transactions (WAL: they never wait for a writer)
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")

# The task holding a transaction of this process's database, to refuse a second one inside it.
_holder: contextvars.ContextVar[asyncio.Task | None] = contextvars.ContextVar(
    "transaction_holder", default=None
)


class NestedTransactionError(RuntimeError):
    """`transaction()` opened inside another one by the same task.

    On SQLite it would wait forever for the one writing connection its own caller holds; on
    PostgreSQL it would be a second, independent transaction that cannot see the first one's
    uncommitted rows. Both are bugs, so both engines refuse it at once: pass the session down,
    or use `session.begin_nested()` for a part that may fail on its own.
    """


def _sqlite_setup(engine: AsyncEngine, *, begin: str, query_only: bool = False) -> None:
    """SQLAlchemy's documented recipe for transactions on pysqlite/aiosqlite: the driver emits
    no BEGIN of its own (`isolation_level = None`), we emit ours in the "begin" event. This also
    makes SAVEPOINT (`begin_nested`) work.

    Writers use BEGIN IMMEDIATE: two transactions that both read and then write would otherwise
    deadlock into "database is locked"; taking the write lock at BEGIN makes them queue within
    the busy timeout (which SQLite waits in aiosqlite's thread, never on the event loop). Readers
    use a plain (deferred) BEGIN: a consistent snapshot that takes no write lock (WAL).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if query_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql(begin)


class Database:
    """One engine (two on a SQLite file) and its session factories, for the life of the process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        sqlite_file = self.is_sqlite and parsed.database not in (None, "", ":memory:")
        if sqlite_file:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"echo": echo, "hide_parameters": True}  # no personal data in logs
        if self.is_postgres:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        elif sqlite_file:
            # SQLite has one writer at a time, and every transaction of `transaction()` is a
            # writer (BEGIN IMMEDIATE). With several connections, the losers wait in SQLite's
            # busy handler, which sleeps in growing steps (up to 100 ms each); with one, writers
            # queue in the pool (awaiting, on the event loop) and each starts the moment the
            # previous one commits.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=SQLITE_POOL_TIMEOUT_S)
        self.engine = create_async_engine(url, **kwargs)
        self.reader = self.engine
        if self.is_sqlite:
            _sqlite_setup(self.engine, begin="BEGIN IMMEDIATE")
        if sqlite_file:
            # Read-only transactions (the health check, listings) get their own connections, so
            # they neither take the write lock nor queue behind writers.
            self.reader = create_async_engine(
                url, echo=echo, hide_parameters=True, pool_size=SQLITE_READERS, max_overflow=0,
                pool_timeout=SQLITE_POOL_TIMEOUT_S,
            )  # fmt: skip
            _sqlite_setup(self.reader, begin="BEGIN", query_only=True)
        elif self.is_postgres:
            self.reader = self.engine.execution_options(postgresql_readonly=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        `await session.commit()` inside it commits what was done so far; what follows is
        committed at the end, as usual. A second `transaction()` inside it raises
        `NestedTransactionError` on both engines."""
        async with self._held(), self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction: one consistent view, no write lock; writing in it raises."""
        async with self.read_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and _holder.get() is task:
            raise NestedTransactionError(
                "a transaction inside a transaction: pass the session down, "
                "or use session.begin_nested()"
            )
        token = _holder.set(task)
        try:
            yield
        finally:
            _holder.reset(token)

    async def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_run_upgrade)

    async def pending_migrations(self) -> bool:
        """Whether migrations are waiting to be applied (a new or older database)."""
        async with self.read() as session:
            connection = await session.connection()
            return await connection.run_sync(_behind)

    async def dispose(self) -> None:
        if self.reader is not self.engine and self.is_sqlite:
            await self.reader.dispose()
        await self.engine.dispose()

    @property
    def sync_engine(self):  # type: ignore[no-untyped-def]
        """The writing engine's synchronous core (for event listeners: tests, diagnostics)."""
        return self.engine.sync_engine


def alembic_config(connection=None) -> Config:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _behind(connection) -> bool:  # type: ignore[no-untyped-def]
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    current = set(MigrationContext.configure(connection).get_current_heads())
    return current != set(ScriptDirectory.from_config(alembic_config()).get_heads())


def _run_upgrade(connection) -> None:  # type: ignore[no-untyped-def]
    # "heads": branches that features add independently are all applied.
    command.upgrade(alembic_config(connection), "heads")
