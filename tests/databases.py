"""Test databases: SQLite always, and PostgreSQL in every run where a server answers.

PostgreSQL is found at TEST_DATABASE_URL, else at the documented address (DEFAULT_POSTGRES, the
server `compose.yaml` and the README start). When neither answers its cases are skipped with the
reason; under CI (CI=true) that is a failure instead. TEST_DATABASE_URL=off runs SQLite only.

Each test run makes its own PostgreSQL database (and drops it after), so several runs (CI, a
developer, a benchmark) can share one server without seeing each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import Base

BACKENDS = ("sqlite", "postgres")
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _answers(url: str) -> str | None:
    """None if a PostgreSQL server answers at `url`, else why not (for the skip reason)."""
    admin = Database(url)
    try:
        async with asyncio.timeout(3), admin.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # refused, timed out, wrong password: say which
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    finally:
        await admin.dispose()
    return None


def postgres_admin_url() -> tuple[str | None, str]:
    """The server to make test databases on, or None and the reason PostgreSQL is skipped."""
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    if given.lower() == "off":
        return None, "PostgreSQL: TEST_DATABASE_URL=off"
    url = given or DEFAULT_POSTGRES
    problem = asyncio.run(_answers(url))
    if problem is None:
        return url, ""
    where = "TEST_DATABASE_URL" if given else f"the default address {DEFAULT_POSTGRES}"
    reason = (
        f"PostgreSQL: no server answered at {where} ({problem}); "
        "start one as the README says, or set TEST_DATABASE_URL"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}: PostgreSQL tests must run")
    return None, reason


async def _create_postgres(admin_url: str, name: str) -> str:
    admin = Database(admin_url)
    try:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    return url


async def _drop_postgres(admin_url: str, name: str) -> None:
    admin = Database(admin_url)
    try:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _create_sqlite(path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.upgrade()
    finally:
        await db.dispose()


class Templates:
    """Migrated once per run; each test gets a copy (SQLite) or emptied tables (PostgreSQL)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite_template = root / "template.db"
        asyncio.run(_create_sqlite(self.sqlite_template))
        self.postgres_admin, self.postgres_skip = postgres_admin_url()
        self.postgres_name = f"diaspora_test_{uuid.uuid4().hex[:12]}"
        self.postgres_url: str | None = None

    def url(self, backend: str, tmp_path: Path) -> str:
        if backend == "sqlite":
            copy = tmp_path / "bot.db"
            shutil.copy(self.sqlite_template, copy)
            return f"sqlite+aiosqlite:///{copy}"
        if self.postgres_admin is None:
            pytest.skip(self.postgres_skip)
        if self.postgres_url is None:
            self.postgres_url = asyncio.run(
                _create_postgres(self.postgres_admin, self.postgres_name)
            )
        return self.postgres_url

    def close(self) -> None:
        if self.postgres_url is not None and self.postgres_admin is not None:
            asyncio.run(_drop_postgres(self.postgres_admin, self.postgres_name))


async def empty_tables(db: Database) -> None:
    if not db.is_postgres:
        return
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with db.transaction() as session:
        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
