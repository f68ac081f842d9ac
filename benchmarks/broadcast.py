"""Broadcast benchmark: the dispatcher against a local fake Telegram Bot API.

    python -m benchmarks.broadcast [--people 100000] [--database-url URL] [--batch-size 20]
                                   [--sender telegram|ptb|httpx|raw|null]
                                   [--real-seconds 60] [--skip-ceiling] [--skip-real]

1. Ceiling: PEOPLE rows queued, the rate limit set very high: messages a second end to end
   (claim, check, HTTP call to the fake, record), and the dispatcher process's memory (RSS)
   sampled all along.
2. Real limit: TELEGRAM_MAX_RATE = 25/s for REAL_SECONDS: the rate the fake actually received.

The fake Bot API runs in a process of its own (benchmarks/fake_bot_api.py, a bare asyncio HTTP
server), so its work is not counted in the dispatcher's, and it is not the bottleneck.
Prints figures; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

from bot.channels.base import SendResult
from bot.dispatcher import Dispatcher, DispatcherConfig
from storage.db import Database
from storage.models import Contact, OutboxItem, utcnow
from tests.telegram_sender import TOKEN, PtbSender

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


class HttpxSender:
    """The thinnest sender: one POST per message, for the dispatcher's ceiling without PTB."""

    channel = "telegram"

    def __init__(self, api_url: str) -> None:
        self.url = f"{api_url}/bot{TOKEN}/sendMessage"
        self.client = httpx.AsyncClient(limits=httpx.Limits(max_connections=64))

    async def start(self) -> None: ...

    async def stop(self) -> None:
        await self.client.aclose()

    async def send(self, address: str, text: str) -> SendResult:
        chat_id = int(address.partition(":")[2])
        response = await self.client.post(self.url, json={"chat_id": chat_id, "text": text})
        body = response.json()
        if body.get("ok"):
            return SendResult(ok=True, provider_id=str(body["result"]["message_id"]))
        return SendResult(ok=False, error=str(body.get("error_code")))


class NullSender:
    """Accepts everything at once: the dispatcher's own work only (claim, check, pace, record)."""

    channel = "telegram"

    def __init__(self, api_url: str) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, address: str, text: str) -> SendResult:
        return SendResult(ok=True, provider_id="0")


class RawHttpSender:
    """sendMessage over a pool of kept-alive HTTP/1.1 connections, with no client library: the
    dispatcher end to end with an HTTP call that costs what the network costs."""

    channel = "telegram"

    def __init__(self, api_url: str, connections: int = 20) -> None:
        host, _, port = api_url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.path = f"/bot{TOKEN}/sendMessage"
        self.size = connections
        self.pool: asyncio.Queue = asyncio.Queue()

    async def start(self) -> None:
        for _ in range(self.size):
            self.pool.put_nowait(await asyncio.open_connection(self.host, self.port))

    async def stop(self) -> None:
        while not self.pool.empty():
            _, writer = self.pool.get_nowait()
            writer.close()

    async def send(self, address: str, text: str) -> SendResult:
        body = json.dumps({"chat_id": int(address.partition(":")[2]), "text": text}).encode()
        reader, writer = await self.pool.get()
        try:
            writer.write(
                f"POST {self.path} HTTP/1.1\r\nhost: {self.host}\r\n"
                f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            answer = json.loads(await reader.readexactly(length))
        finally:
            self.pool.put_nowait((reader, writer))
        if answer.get("ok"):
            return SendResult(ok=True, provider_id=str(answer["result"]["message_id"]))
        return SendResult(ok=False, error=str(answer.get("error_code")))


class RealTelegramSender:
    """The project's own Telegram sender (bot/channels/telegram_send.py) on a PTB Bot."""

    channel = "telegram"

    def __init__(self, api_url: str) -> None:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        from bot.channels.telegram_send import TelegramSender

        self.bot = Bot(TOKEN, base_url=f"{api_url}/bot", request=HTTPXRequest(64))
        self.sender = TelegramSender(self.bot)

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def send(self, address: str, text: str) -> SendResult:
        return await self.sender.send(address, text)


SENDERS = {
    "null": NullSender,
    "raw": RawHttpSender,
    "httpx": HttpxSender,
    "ptb": PtbSender,
    "telegram": RealTelegramSender,
}


def fake_state(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/state") as response:  # noqa: S310 - local fake
        return json.load(response)


async def setup(db: Database, people: int, first_chat: int, source: str) -> None:
    now = utcnow()
    batch = 5000
    for start in range(0, people, batch):
        chats = range(first_chat + start, first_chat + min(people, start + batch))
        async with db.transaction() as session:
            await session.execute(
                insert(Contact),
                [
                    {
                        "address": f"telegram:{chat}",
                        "channel": "telegram",
                        "language": "fr",
                        "opted_out": False,
                        "unreachable": False,
                        "subscribed": True,
                        "awareness_offered": True,
                        "awareness_next": 1,
                        "consent": "self",
                        "created_at": now,
                    }
                    for chat in chats
                ],
            )
            ids = (
                await session.execute(
                    select(Contact.id, Contact.address).where(
                        Contact.address.in_([f"telegram:{c}" for c in chats])
                    )
                )
            ).all()
            await session.execute(
                insert(OutboxItem),
                [
                    {
                        "contact_id": contact_id,
                        "channel": "telegram",
                        "address": address,
                        "text": "Le forum FIDIMA ouvre ses inscriptions : écrivez FIDIMA.",
                        "kind": "broadcast",
                        "source": source,
                        "dedupe_key": f"{source}:{contact_id}",
                        "status": "queued",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for contact_id, address in ids
                ],
            )


async def count_sent(db: Database, source: str) -> int:
    async with db.transaction() as session:
        return await session.scalar(
            text("SELECT count(*) FROM outbox WHERE source = :s AND status = 'sent'"),
            {"s": source},
        )


async def ceiling(db: Database, sender, api_url: str, people: int, batch: int) -> None:  # noqa: ANN001
    print(f"setting up {people:,} people and outbox rows...", flush=True)
    await setup(db, people, 1, "bench:ceiling")
    before = fake_state(api_url)["sent"]
    config = DispatcherConfig(
        rates={"telegram": 1_000_000.0}, batch_size=batch, worker_id="bench", only_worker=True
    )
    dispatcher = Dispatcher(db, {"telegram": sender}, config)
    samples: list[float] = [rss_mb()]

    async def sample() -> None:
        while True:
            await asyncio.sleep(0.5)
            samples.append(rss_mb())

    sampler = asyncio.create_task(sample())
    started, cpu = time.perf_counter(), time.process_time()
    stats = await dispatcher.run_until_idle()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    sampler.cancel()
    state = fake_state(api_url)
    received, duplicates = state["sent"] - before, state["duplicates"]
    print(f"ceiling: {stats.sent:,} sent in {elapsed:.1f} s = {stats.sent / elapsed:,.0f} msg/s")
    print(f"  dispatcher CPU: {cpu * 1e6 / max(1, stats.sent):.0f} µs a message")
    print(f"  fake API received {received:,}; chats that got a message twice: {duplicates}")
    async with db.transaction() as session:
        logged = await session.scalar(
            text("SELECT count(*) FROM messages WHERE outbox_id IS NOT NULL")
        )
    print(f"  outbound messages logged: {logged:,}")
    quarter = max(1, len(samples) // 4)
    print(
        f"  RSS MB: start {samples[0]:.0f}, after 1/4 {samples[quarter]:.0f}, "
        f"peak {max(samples):.0f}, end {samples[-1]:.0f}"
    )


async def real_limit(db: Database, sender, api_url: str, seconds: float) -> None:  # noqa: ANN001
    people = int(25 * seconds * 1.5)
    await setup(db, people, 10_000_000, "bench:real")
    config = DispatcherConfig(rates={"telegram": 25.0}, worker_id="bench", only_worker=True)
    dispatcher = Dispatcher(db, {"telegram": sender}, config)
    await dispatcher.start()
    while await count_sent(db, "bench:real") == 0:  # noqa: ASYNC110 - polling the database
        await asyncio.sleep(0.01)
    first = fake_state(api_url)["sent"]
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    last = fake_state(api_url)["sent"]
    elapsed = time.perf_counter() - started
    await dispatcher.stop()
    rate = (last - first) / elapsed
    print(
        f"real limit 25/s: {last - first} received in {elapsed:.1f} s = {rate:.2f} msg/s "
        f"({rate / 25:.1%} of the limit)"
    )


async def main(args: argparse.Namespace) -> None:
    fake = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [sys.executable, "-m", "benchmarks.fake_bot_api"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    api_url = fake.stdout.readline().strip()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db")
        await db.upgrade()
        print(
            f"database: {db.engine.url.get_backend_name()}; sender: {args.sender}; "
            f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs",
            flush=True,
        )
        sender = SENDERS[args.sender](api_url)
        await sender.start()
        try:
            if not args.skip_ceiling:
                await ceiling(db, sender, api_url, args.people, args.batch_size)
            if not args.skip_real:
                await real_limit(db, sender, api_url, args.real_seconds)
        finally:
            await sender.stop()
            await db.dispose()
            fake.stdin.close()
            fake.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--sender", choices=tuple(SENDERS), default="telegram")
    parser.add_argument("--real-seconds", type=float, default=60.0)
    parser.add_argument("--batch-size", type=int, default=20, help="OUTBOX_BATCH_SIZE")
    parser.add_argument("--skip-ceiling", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    asyncio.run(main(parser.parse_args()))
