"""The database: an async engine, sessions, and migrations.

SQLite is the embedded default (one machine, one file); PostgreSQL is the engine for more.
"""

from __future__ import annotations

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

from storage import sqlite_inline
from storage.loop_session import PRAGMAS, LoopDatabase

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_TIMEOUT_S = 30  # waiting for the one connection: beyond this, something is stuck


def _sqlite_setup(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE for every transaction.

    Without BEGIN IMMEDIATE, two transactions that both read and then write deadlock into
    "database is locked" errors; taking the write lock at BEGIN makes SQLite writers queue up
    (within the busy timeout) instead. This is SQLAlchemy's documented recipe for pysqlite.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        inline = isinstance(dbapi_connection.driver_connection, sqlite_inline.InlineConnection)
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        if not inline:  # an inline connection waits for locks in a thread, never on the loop
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory, for the life of the process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"echo": echo, "hide_parameters": True}  # no personal data in logs
        if self.is_postgres:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        elif self.is_sqlite and parsed.database not in (None, "", ":memory:"):
            # SQLite has one writer at a time, and every transaction here is a writer (BEGIN
            # IMMEDIATE). With several connections, the losers wait in SQLite's busy handler,
            # which sleeps in growing steps (up to 100 ms each): under load most of the latency
            # was that sleeping. One connection makes transactions queue in the pool instead,
            # in order, and each starts the moment the previous one commits.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=SQLITE_POOL_TIMEOUT_S)
            # Statements run on the event loop, not in aiosqlite's thread: see sqlite_inline.
            kwargs["async_creator"] = sqlite_inline.connector(
                parsed.database, SQLITE_BUSY_TIMEOUT_MS
            )
        # A SQLite file: transactions run on the event loop with a synchronous session (see
        # loop_session); the async engine stays for migrations and direct connections.
        self.loop_db: LoopDatabase | None = None
        if "async_creator" in kwargs:
            self.loop_db = LoopDatabase(parsed.database, SQLITE_BUSY_TIMEOUT_MS, echo=echo)
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        if self.loop_db is not None:
            async with self.loop_db.transaction() as session:
                yield session  # type: ignore[misc]  # AsyncSession's surface, see loop_session
            return
        async with self.sessions() as session, session.begin():
            yield session

    async def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_run_upgrade)

    async def dispose(self) -> None:
        if self.loop_db is not None:
            self.loop_db.close()
        await self.engine.dispose()

    @property
    def sync_engine(self):  # type: ignore[no-untyped-def]
        """The engine transactions run on (for event listeners: tests, diagnostics)."""
        return self.loop_db.engine if self.loop_db is not None else self.engine.sync_engine


def alembic_config(connection=None) -> Config:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _run_upgrade(connection) -> None:  # type: ignore[no-untyped-def]
    # "heads": branches that features add independently are all applied.
    command.upgrade(alembic_config(connection), "heads")
