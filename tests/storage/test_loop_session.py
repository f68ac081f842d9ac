"""SQLite transactions on the event loop (storage/loop_session.py): whole, one at a time, and
with the same settings as every other connection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.loop_session import LoopSession
from storage.models import Contact, Message, utcnow


@pytest.fixture
async def fresh(tmp_path: Path):  # noqa: ANN201
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}")
    await db.upgrade()
    yield db
    await db.dispose()


def person(n: int) -> Contact:
    return Contact(address=f"tel:+2237600000{n}", channel="sms", language="fr")


async def count(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Contact))


async def test_the_first_transaction_of_a_process_is_undone_whole_on_error(fresh) -> None:
    """SQLAlchemy ends its first use of a connection with a ROLLBACK; inside our first
    transaction it would have ended it silently, and the rest would have been committed."""
    with pytest.raises(RuntimeError):
        async with fresh.transaction() as session:
            assert isinstance(session, LoopSession)
            session.add(person(1))
            await session.flush()
            raise RuntimeError("a bug half-way")
    assert await count(fresh) == 0


async def test_transactions_of_concurrent_requests_take_turns(fresh) -> None:
    inside: list[int] = []
    overlaps = 0

    async def request(n: int) -> None:
        nonlocal overlaps
        async with fresh.transaction() as session:
            inside.append(n)
            overlaps += len(inside) > 1
            session.add(person(n))
            await asyncio.sleep(0.01)  # a handler awaiting something mid-transaction
            await session.flush()
            inside.remove(n)

    await asyncio.gather(*(request(n) for n in range(5)))
    assert overlaps == 0
    assert await count(fresh) == 5


async def test_the_loop_connection_enforces_foreign_keys_and_uses_wal(fresh) -> None:
    async with fresh.transaction() as session:
        settings = (
            await session.scalar(text("PRAGMA journal_mode")),
            await session.scalar(text("PRAGMA foreign_keys")),
            await session.scalar(text("PRAGMA busy_timeout")),  # waiting happens in a thread
        )
    assert settings == ("wal", 1, 0)
    with pytest.raises(IntegrityError):
        async with fresh.transaction() as session:
            session.add(
                Message(
                    contact_id=999,
                    channel="sms",
                    direction="in",
                    text="orphan",
                    status="received",
                    created_at=utcnow(),
                )
            )
    async with fresh.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
