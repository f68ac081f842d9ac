"""How fast a broadcast is expanded into outbox rows (`storage.broadcasts.queue_due`).

    python -m benchmarks.broadcast_queue [--people 100000] [--database-url URL]

Creates a fresh database (SQLite in a temporary directory by default), N people across channels
and languages, one broadcast to `all`, then calls `queue_due` until it returns 0, one transaction
a call as the scheduler does. Prints the time per call and rows per second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from handlers import announcements
from storage import broadcasts
from storage.audience import Audience
from storage.db import Database
from storage.models import Contact

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def main(people: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await db.upgrade()
        rows = [
            {
                "address": f"tel:+2237{i:07d}" if i % 3 else f"telegram:{10_000 + i}",
                "channel": "sms" if i % 3 else "telegram",
                "language": "en" if i % 4 == 0 else "fr",
                "opted_out": i % 10 == 0,
                "unreachable": False,
                "subscribed": i % 2 == 0,
                "awareness_offered": False,
                "awareness_next": 1,
                "consent": "self",
                "staff_chat": False,
                "created_at": NOW,
            }
            for i in range(people)
        ]
        async with db.transaction() as session:
            for start in range(0, people, 10_000):
                await session.execute(insert(Contact), rows[start : start + 10_000])
        async with db.transaction() as session:
            started = time.perf_counter()
            shown = await announcements.preview(session, "Bonjour à tous", "Hello", Audience())
            preview_s = time.perf_counter() - started
            await announcements.create(
                session, text_fr="Bonjour à tous", text_en="Hello", audience=Audience(),
                send_at=NOW, actor="bench", now=NOW,
            )  # fmt: skip
        calls, total, longest = 0, 0, 0.0
        started = time.perf_counter()
        while True:
            call = time.perf_counter()
            async with db.transaction() as session:
                written = await broadcasts.queue_due(session, NOW)
            longest = max(longest, time.perf_counter() - call)
            calls += 1
            total += written
            if written == 0:
                break
        elapsed = time.perf_counter() - started
        backend = "postgresql" if db.is_postgres else "sqlite"
        print(f"backend: {backend}, people: {people}, recipients: {shown.total}")
        print(f"preview (counts by language and channel): {preview_s * 1000:.0f} ms")
        print(f"queue_due: {total} rows in {elapsed:.2f} s over {calls} calls")
        print(f"rows/s: {total / elapsed:.0f}; longest call (one transaction): {longest:.2f} s")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty, migrated-or-not database (PostgreSQL)")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.database_url))
