"""One session model on both engines (storage/db.py): the same calls behave the same on SQLite
and PostgreSQL, and waiting for the database never holds the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from storage.db import Database, NestedTransactionError
from storage.models import Contact, Message, utcnow


def person(n: int) -> Contact:
    return Contact(address=f"tel:+2237600000{n}", channel="sms", language="fr")


async def addresses(db: Database) -> list[str]:
    async with db.read() as session:
        return list(await session.scalars(select(Contact.address).order_by(Contact.address)))


async def test_a_transaction_is_committed_whole_or_not_at_all(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(person(1))
            await session.flush()
            raise RuntimeError("a bug half-way")
    async with db.transaction() as session:
        session.add(person(2))
    assert await addresses(db) == ["tel:+22376000002"]


async def test_a_transaction_inside_a_transaction_is_refused_at_once(db: Database) -> None:
    """It would hang on SQLite (one writing connection) and silently be another transaction on
    PostgreSQL: both engines refuse it the same way, and the outer one is undone."""
    with pytest.raises(NestedTransactionError):
        async with db.transaction() as session:
            session.add(person(1))
            async with db.transaction():
                pass
    assert await addresses(db) == []


async def test_begin_nested_undoes_only_its_part(db: Database) -> None:
    async with db.transaction() as session:
        session.add(person(1))
        await session.flush()
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                session.add(person(1))  # the same address twice
                await session.flush()
        session.add(person(2))
    assert await addresses(db) == ["tel:+22376000001", "tel:+22376000002"]


async def test_run_sync_gives_a_plain_session_in_the_same_transaction(db: Database) -> None:
    def add_two(sync_session) -> int:  # type: ignore[no-untyped-def]
        sync_session.add_all([person(1), person(2)])
        sync_session.flush()
        return sync_session.scalar(select(func.count()).select_from(Contact))

    async with db.transaction() as session:
        assert await session.run_sync(add_two) == 2
    assert len(await addresses(db)) == 2


async def test_commit_inside_keeps_what_came_before_a_later_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(person(1))
            await session.commit()
            session.add(person(2))
            await session.flush()
            raise RuntimeError("after the commit")
    assert await addresses(db) == ["tel:+22376000001"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the coroutine never awaited, by design
async def test_an_expired_attribute_is_not_loaded_behind_the_caller_s_back(db: Database) -> None:
    """Lazy loads need `await session.refresh()` on both engines (no silent I/O on one only)."""
    async with db.transaction() as session:
        contact = person(1)
        session.add(contact)
        await session.flush()
        session.expire(contact, ["language"])
        with pytest.raises(Exception, match="greenlet|await"):
            _ = contact.language
        await session.refresh(contact, ["language"])
        assert contact.language == "fr"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # asyncpg drops a cursor coroutine
async def test_a_read_transaction_refuses_to_write(db: Database) -> None:
    with pytest.raises((OperationalError, DBAPIError)):
        async with db.read() as session:
            await session.execute(
                text("INSERT INTO contacts (address, channel, language) VALUES ('x', 'sms', 'fr')")
            )
    assert await addresses(db) == []


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(
                Message(
                    contact_id=999, channel="sms", direction="in", text="x",
                    status="received", created_at=utcnow(),
                )
            )  # fmt: skip


async def test_concurrent_transactions_all_land(db: Database) -> None:
    async def request(n: int) -> None:
        async with db.transaction() as session:
            session.add(person(n))
            await asyncio.sleep(0.01)  # a handler awaiting something mid-transaction
            await session.flush()

    await asyncio.gather(*(request(n) for n in range(5)))
    assert len(await addresses(db)) == 5


# -- SQLite only: its single writer, and where waiting for it happens ----------------------------


@pytest.fixture
async def sqlite_file(tmp_path):  # noqa: ANN201
    url = f"sqlite+aiosqlite:///{tmp_path / 'locks.db'}"
    db = Database(url)
    await db.upgrade()
    yield url
    await db.dispose()


async def _ticks_while(awaitable) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    """Run `awaitable` while another task counts how often the loop lets it run."""
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        return await awaitable, ticks
    finally:
        done.set()
        await ticker


async def test_sqlite_waits_for_another_process_lock_off_the_event_loop(sqlite_file) -> None:
    ours, other = Database(sqlite_file), Database(sqlite_file)  # as two processes would be
    try:

        async def write_after_lock() -> float:
            began = time.perf_counter()
            async with ours.transaction() as session:  # BEGIN IMMEDIATE: busy at first
                session.add(person(1))
            return time.perf_counter() - began

        held = await other.engine.connect()
        await held.begin()  # BEGIN IMMEDIATE: "another process" holds the write lock
        waiting = asyncio.create_task(_ticks_while(write_after_lock()))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # it waits for the lock...
        # ...while a read-only transaction (the health check) neither waits nor blocks.
        async with ours.read() as session:
            assert await session.scalar(text("SELECT 1")) == 1
        await held.commit()
        await held.close()
        waited, ticks = await waiting
        assert waited >= 0.3
        assert ticks >= 10  # the loop kept running meanwhile (one tick per 10 ms)
        assert await addresses(ours) == ["tel:+22376000001"]
    finally:
        await ours.dispose()
        await other.dispose()


async def test_sqlite_settings_hold_on_every_connection(sqlite_file) -> None:
    db = Database(sqlite_file)
    try:
        for engine in (db.engine, db.reader):
            async with engine.connect() as connection:
                journal = await connection.scalar(text("PRAGMA journal_mode"))
                foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
                busy = await connection.scalar(text("PRAGMA busy_timeout"))
            assert (journal, foreign_keys, busy) == ("wal", 1, 10_000)
    finally:
        await db.dispose()
