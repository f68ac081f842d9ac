"""SQLite statements run on the event loop; waiting for another writer's lock must not."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select, text

from storage.db import Database
from storage.models import Base, Contact
from storage.sqlite_inline import InlineConnection


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


async def test_a_writer_waits_for_another_process_lock_without_blocking_the_loop(
    tmp_path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locks.db'}"
    ours, other = Database(url), Database(url)  # two engines: as two processes would
    try:
        async with ours.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with ours.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)

        async def write_after_lock() -> float:
            began = time.perf_counter()
            async with ours.transaction() as session:  # BEGIN IMMEDIATE: busy at first
                session.add(Contact(address="tel:+22376000001", channel="sms", language="fr"))
            return time.perf_counter() - began

        held = await other.engine.connect()
        await held.begin()  # BEGIN IMMEDIATE: another process holds the write lock
        await held.exec_driver_sql("SELECT 1")
        waiting = asyncio.create_task(_ticks_while(write_after_lock()))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # it waits for the lock...
        await held.commit()
        await held.close()
        waited, ticks = await waiting
        assert waited >= 0.3
        assert ticks >= 10  # ...and the loop kept running meanwhile (one tick per 10 ms)
        async with ours.transaction() as session:
            assert await session.scalar(select(Contact.address)) == "tel:+22376000001"
    finally:
        await ours.dispose()
        await other.dispose()


async def test_sqlite_settings_hold_on_an_inline_connection(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.db'}")
    try:
        async with db.engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
            busy = await connection.scalar(text("PRAGMA busy_timeout"))
        # busy_timeout 0 on the loop: waiting for a lock happens in a thread, not here.
        assert (journal, foreign_keys, busy) == ("wal", 1, 0)
    finally:
        await db.dispose()
