"""The longest event-loop stall while a broadcast is queued (`storage.broadcasts.queue_due`).

    python -m benchmarks.loop_stall [--people 30000] [--database-url URL]

Creates a fresh database (SQLite in a temporary directory by default), N people, one broadcast
to everyone, then expands it as the scheduler does (one transaction per `queue_due` call, until
it returns 0). Meanwhile a ticker task sleeps 1 ms at a time and records how late each wake-up
is: that lateness is what every webhook, Telegram poll and `/healthz` would wait at that moment.
A health check (`Database.read()`, SELECT 1) also runs every 20 ms and its longest wait is
printed. Target: longest stall < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from handlers import announcements
from storage import broadcasts
from storage.audience import Audience
from storage.db import Database
from storage.models import Contact

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TICK = 0.001


async def people(db: Database, count: int) -> None:
    rows = [
        {
            "address": f"tel:+2237{i:07d}" if i % 3 else f"telegram:{10_000 + i}",
            "channel": "sms" if i % 3 else "telegram",
            "language": "en" if i % 4 == 0 else "fr",
            "opted_out": False,
            "unreachable": False,
            "subscribed": True,
            "awareness_offered": False,
            "awareness_next": 1,
            "consent": "self",
            "staff_chat": False,
            "created_at": NOW,
        }
        for i in range(count)
    ]
    async with db.transaction() as session:
        for start in range(0, count, 10_000):
            await session.execute(insert(Contact), rows[start : start + 10_000])
        await announcements.create(
            session, text_fr="Bonjour à tous", text_en="Hello", audience=Audience(),
            send_at=NOW, actor="bench", now=NOW,
        )  # fmt: skip


async def ticker(stop: asyncio.Event, lateness: list[float]) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(TICK)
        lateness.append(time.perf_counter() - before - TICK)


async def health_checks(db: Database, stop: asyncio.Event, waits: list[float]) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
        waits.append(time.perf_counter() - before)
        await asyncio.sleep(0.02)


async def main(count: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await db.upgrade()
        await people(db, count)
        stop = asyncio.Event()
        lateness: list[float] = []
        waits: list[float] = []
        tasks = [
            asyncio.create_task(ticker(stop, lateness)),
            asyncio.create_task(health_checks(db, stop, waits)),
        ]
        await asyncio.sleep(0.1)
        started, total, calls = time.perf_counter(), 0, 0
        while True:
            async with db.transaction() as session:
                written = await broadcasts.queue_due(session, NOW)
            total += written
            calls += 1
            if written == 0:
                break
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*tasks)
        backend = "postgresql" if db.is_postgres else "sqlite"
        late = sorted(lateness)
        print(f"backend: {backend}, people: {count}, outbox rows: {total} in {calls} calls")
        print(f"queued in {elapsed:.2f} s ({total / elapsed:.0f} rows/s)")
        print(
            f"event-loop stall: longest {late[-1] * 1000:.1f} ms, "
            f"p99 {late[int(len(late) * 0.99)] * 1000:.1f} ms, "
            f"median {statistics.median(late) * 1000:.2f} ms over {len(late)} ticks"
        )
        print(f"health check (read transaction): longest {max(waits) * 1000:.1f} ms")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--database-url", help="PostgreSQL: created, used and dropped")
    args = parser.parse_args()
    if args.database_url:  # created for the run (dropped first if it exists), then dropped
        from benchmarks.conversation import _create_postgres, _drop_postgres

        asyncio.run(_create_postgres(args.database_url))
        try:
            asyncio.run(main(args.people, args.database_url))
        finally:
            asyncio.run(_drop_postgres(args.database_url))
    else:
        asyncio.run(main(args.people, args.database_url))
