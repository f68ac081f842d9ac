"""How long the back office's overview (`GET /admin`) takes on a big database.

    python -m benchmarks.dashboard [--people 100000] [--messages 1000000] [--runs 30]
                                   [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/x]

Builds a fresh database (SQLite in a temporary directory, or a new PostgreSQL database on the
given server, dropped afterwards) with N people across channels, languages and countries, M
messages over the last 60 days (half of the replies answered by one of 60 FAQ entries, one
message in a thousand over a cost limit), registrations, gaps, tickets, outbox rows and two SMS
providers' health; signs a staff
member in and requests the overview page through the real app (httpx's ASGI transport: no
network), `--runs` times after the first (which reads the past days' message counts, kept by
the process from then on). Prints the first, then p50, p95 and the slowest, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings
from storage import sms_health, staff_accounts
from storage.models import (
    Contact,
    KnowledgeGap,
    Message,
    OutboxItem,
    Registration,
    Ticket,
    utcnow,
)

CHUNK = 20_000
STATUSES = ("sent", "queued", "delivered", "failed")
COUNTRIES = ["ML", "FR", "CI", "SN", "US", "ES", "IT", "GA", None]
EMAIL, PASSWORD = "bench@ministere.ml", "benchmark password"


LIMITS = ("inbound_minute", "loop_repeat", "replies_hour")


async def _fill(services: Services, people: int, messages: int) -> None:
    rng = random.Random(15)
    now = utcnow()
    entries = sorted(services.knowledge.faq.entries)[:60]
    async with services.db.transaction() as session:
        for start in range(0, people, CHUNK):
            rows = [
                {
                    "address": f"tel:+2237{i:07d}" if i % 3 else f"telegram:{10_000 + i}",
                    "channel": "sms" if i % 3 else "telegram",
                    "language": ("fr", "en", "bm")[i % 3 if i % 5 else 0],
                    "country": COUNTRIES[i % len(COUNTRIES)],
                    "opted_out": i % 20 == 0, "unreachable": False, "subscribed": i % 2 == 0,
                    "awareness_offered": False, "awareness_next": 1, "consent": "self",
                    "staff_chat": False, "created_at": now,
                }
                for i in range(start, min(start + CHUNK, people))
            ]  # fmt: skip
            await session.execute(insert(Contact), rows)
    for start in range(0, messages, CHUNK):
        async with services.db.transaction() as session:
            rows = [
                {
                    "contact_id": rng.randint(1, people), "channel": "sms",
                    "direction": "in" if i % 2 else "out", "text": "Bonjour, comment faire ?",
                    "status": "received" if i % 2 else "sent",
                    "created_at": now - timedelta(seconds=rng.randint(0, 60 * 86_400)),
                    "entry_id": entries[i % len(entries)] if i % 4 == 0 else None,
                    "error_code": f"limit:{LIMITS[i % 3]}" if i % 1000 == 1 else None,
                }
                for i in range(start, min(start + CHUNK, messages))
            ]  # fmt: skip
            await session.execute(insert(Message), rows)
    async with services.db.transaction() as session:
        await session.execute(insert(Registration), [
            {"forum_id": ("paris-2026", "abidjan-2026", "bamako-2027")[i % 3], "contact_id": i + 1,
             "code": f"B-{i:06d}", "status": "confirmed", "answers": {}, "created_at": now}
            for i in range(min(3_000, people))
        ])  # fmt: skip
        await session.execute(insert(KnowledgeGap), [
            {"normalised": f"question {i}", "example": f"Question {i} ?", "language": "fr",
             "outcome": "none", "count": rng.randint(1, 50), "first_seen": now, "last_seen": now}
            for i in range(2_000)
        ])  # fmt: skip
        await session.execute(insert(Ticket), [
            {"contact_id": i + 1, "status": "answered" if i % 4 else "open",
             "question": "Une question ?", "created_at": now - timedelta(hours=i % 48),
             "answered_at": now if i % 4 else None}
            for i in range(min(1_000, people))
        ])  # fmt: skip
        await session.execute(insert(OutboxItem), [
            {"contact_id": i + 1, "channel": "sms", "address": f"tel:+2237{i:07d}",
             "text": "Annonce", "kind": "broadcast", "source": "broadcast:1",
             "dedupe_key": f"bench:{i}", "status": STATUSES[i % 4],
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for i in range(min(50_000, people))
        ])  # fmt: skip
        await staff_accounts.add(session, EMAIL, "admin", PASSWORD, "bench", now)
        await sms_health.checked(session, "android", "pass", None, now - timedelta(minutes=3))
        await sms_health.heard(session, "twilio", now - timedelta(minutes=40))


async def _measure(services: Services, runs: int) -> list[float]:
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = await client.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        signed = await client.post(
            "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
        )
        assert signed.status_code == 303, signed.text
        started = time.perf_counter()
        assert (await client.get("/admin")).status_code == 200  # warm-up: reads the closed days
        first = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.get("/admin")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and "<svg" in response.text
    return first, times


async def main(people: int, messages: int, runs: int, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        admin_engine = None
        if postgres:
            name = f"bench_dashboard_{uuid.uuid4().hex[:8]}"
            server = make_url(postgres)
            admin_engine = create_async_engine(
                server.set(database="postgres"), isolation_level="AUTOCOMMIT"
            )
            async with admin_engine.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = server.set(database=name).render_as_string(hide_password=False)
        services = await Services.start(
            Settings(_env_file=None, database_url=url, faq_semantic=False),
            upgrade=True,  # a new database: only run and db upgrade migrate
            answers=False,
        )
        try:
            started = time.perf_counter()
            await _fill(services, people, messages)
            if services.db.is_postgres:  # what autovacuum does after a bulk load
                async with services.db.engine.connect() as connection:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await connection.execute(text("VACUUM ANALYZE"))
            filled = time.perf_counter() - started
            first, times = await _measure(services, runs)
        finally:
            await services.close()
            if admin_engine is not None:
                async with admin_engine.connect() as connection:
                    await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                await admin_engine.dispose()
    backend = "postgresql" if postgres else "sqlite"
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
    print(
        f"backend: {backend}, people: {people:,}, messages: {messages:,} "
        f"(filled in {filled:.0f} s)"
    )
    print(f"first GET /admin after start (counts the past 29 days once): {first:.0f} ms")
    print(
        f"GET /admin over {runs} runs: p50 {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms, slowest {max(times):.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is created)")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.messages, args.runs, args.postgres))
