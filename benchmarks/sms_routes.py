"""SMS providers (issue 16): the Android gateway's inbound webhooks, and a broadcast over SMPP.

    python -m benchmarks.sms_routes android --requests 2000 --concurrency 16
    python -m benchmarks.sms_routes android-send --sends 600
    python -m benchmarks.sms_routes smpp --messages 10000 --tps 100

`android`: starts the real service (`python -m bot run`, 127.0.0.1, a temporary SQLite
database) with the Android gateway configured against a fake phone (tests/fakes, in this
process, answering every send), and posts N `sms:received` events signed as the app signs them,
from 500 people at concurrency C, once the service is idle after its start. Each webhook is a
whole turn: signature, conversation, the replies sent through the phone before the answer.
Prints webhooks/s, latency percentiles and the service's CPU per webhook, then checks in the
database that every message was stored exactly once and counts the replies the phone was asked
to send.

`android-send`: the reply's request to the phone alone: the official client's CPU per send
(this thread's: the fake phone's server thread is not counted) over its httpx layer and over
its aiohttp layer, in turns.

`smpp`: queues N outbox rows for N Malian numbers, then drains them with the real dispatcher
and SMPP provider (aiosmpplib) at SMPP_TPS against a fake SMSC speaking SMPP over TCP on
127.0.0.1. Prints the achieved rate (submit_sm a second) and checks that every number received
its message exactly once and every row is `sent`.

Exit status 1 if anything was lost, failed or done twice.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sms_webhook import wait_idle  # noqa: E402
from tests.fakes.android_gateway import FakeAndroidGateway  # noqa: E402
from tests.fakes.android_webhooks import envelope, local_time, sign  # noqa: E402
from tests.fakes.smsc import FakeSmsc  # noqa: E402

KEY = "benchmark-signing-key"
USER, PASSWORD = "sms", "benchmark"
WARM_UP = 200  # webhooks sent before measuring, not counted
BODIES = ("menu", "2", "bonjour", "aide", "1", "double nationalité ?", "merci")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# -- the Android route --------------------------------------------------------------


def start_service(db_path: Path, port: int, phone_url: str, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": "https://bot.example.org",
        "ANDROID_SMS_URL": phone_url,
        "ANDROID_SMS_USERNAME": USER,
        "ANDROID_SMS_PASSWORD": PASSWORD,
        "ANDROID_SMS_SIGNING_KEY": KEY,
        "LOG_LEVEL": "WARNING",
        "QUIET_HOURS": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_healthy(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the service exited")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the service did not become healthy")


def events(count: int, people: int, prefix: str) -> list[bytes]:
    bodies = []
    base = datetime.now(UTC) - timedelta(hours=1 if prefix == "warm" else 0)
    for i in range(count):
        number = f"+2237{(i % people):07d}"
        text = BODIES[(i // people) % len(BODIES)]
        message_id = hashlib.md5(f"{number}{text}".encode()).hexdigest()[:16]  # as the app
        payload = {
            "messageId": message_id,
            "message": text,
            "phoneNumber": number,
            "simNumber": 1,
            # The same text from the same person again: its receivedAt tells them apart.
            "receivedAt": local_time(base + timedelta(milliseconds=i)),
        }
        bodies.append(envelope("sms:received", payload, event_id=f"{prefix}{i}"))
    return bodies


async def post_all(base_url: str, bodies: list[bytes], concurrency: int) -> list[float]:
    latencies: list[float] = []
    failures: Counter[int] = Counter()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                stamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/json",
                    "X-Timestamp": stamp,
                    "X-Signature": sign(KEY, body, stamp),
                }
                started = time.perf_counter()
                response = await client.post("/sms/android", content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    failures[response.status_code] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    if failures:
        print(f"non-200 answers: {dict(failures)}")
    return latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux): our cost, told from a busy machine's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def android(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, FakeAndroidGateway(USER, PASSWORD) as phone:
        db_path = Path(tmp) / "bench.db"
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        service = start_service(db_path, port, phone.url, Path(tmp) / "service.log")
        try:
            wait_healthy(base_url, service)
            # As benchmarks/sms_webhook.py: the FAQ's sentence embeddings are built in the
            # background at start (seconds of CPU), which must not be counted to the webhooks.
            wait_idle([service.pid])
            asyncio.run(post_all(base_url, events(WARM_UP, WARM_UP, "warm"), args.concurrency))
            sent_before = len(phone.sent)
            bodies = events(args.requests, 500, "run")
            cpu_before = cpu_seconds(service.pid)
            started = time.perf_counter()
            latencies = asyncio.run(post_all(base_url, bodies, args.concurrency))
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(service.pid) - cpu_before
        finally:
            service.terminate()
            service.wait(30)
            log = (Path(tmp) / "service.log").read_text()
        with sqlite3.connect(db_path) as db:
            stored = db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT provider_id) FROM messages WHERE direction = 'in'"
            ).fetchone()
            stored = (stored[0] - WARM_UP, stored[1] - WARM_UP)
            queued = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        replies = len(phone.sent) - sent_before
    rate = args.requests / elapsed
    print(
        f"android webhooks: {args.requests} at concurrency {args.concurrency}: "
        f"{rate:.1f}/s, p50 {percentile(latencies, 50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms, "
        f"service CPU {cpu / args.requests * 1000:.2f} ms a webhook; "
        f"load average before {load:.1f} (2 cores, shared)"
    )
    print(
        f"stored {stored[0]} ({stored[1]} distinct), replies through the phone {replies}, "
        f"handed to the outbox {queued}"
    )
    if "Traceback" in log:
        print("the service logged a traceback")
        return 1
    return 0 if stored[0] == stored[1] == args.requests and queued == 0 else 1


async def client_sends(http_layer: str, url: str, sends: int, concurrency: int) -> float:
    """CPU (this thread's) per send of the official client over one of its HTTP layers."""
    import aiohttp
    from android_sms_gateway import AsyncAPIClient, Message, TextMessage
    from android_sms_gateway.ahttp import AiohttpAsyncHttpClient, HttpxAsyncHttpClient

    if http_layer == "httpx":
        session = httpx.AsyncClient(timeout=httpx.Timeout(20, connect=5))
        layer = HttpxAsyncHttpClient(session)
    else:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(connect=5, sock_read=20))
        layer = AiohttpAsyncHttpClient(session)
    client = AsyncAPIClient(USER, PASSWORD, base_url=url, http_client=layer)
    message = Message(
        phone_numbers=["+22376123456"],
        text_message=TextMessage(text="Bienvenue. Menu : 1. Poser une question 2. Forum"),
        with_delivery_report=True,
    )
    slots = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with slots:
            await client.send(message)

    await asyncio.gather(*(one() for _ in range(50)))  # connections open, code warm
    started = time.thread_time()
    await asyncio.gather(*(one() for _ in range(sends)))
    cpu = time.thread_time() - started
    await (session.aclose() if isinstance(session, httpx.AsyncClient) else session.close())
    return cpu / sends


def android_send(args: argparse.Namespace) -> int:
    """The reply's HTTP request to the phone, alone: the client's two HTTP layers compared."""
    with FakeAndroidGateway(USER, PASSWORD) as phone:
        for layer in ("httpx", "aiohttp") * args.rounds:
            cpu = asyncio.run(client_sends(layer, phone.url, args.sends, args.concurrency))
            print(
                f"android client over {layer}: {cpu * 1000:.2f} ms CPU a send "
                f"({args.sends} sends at concurrency {args.concurrency}, the fake phone's "
                f"thread not counted)"
            )
    return 0


# -- a broadcast over SMPP --------------------------------------------------------------


TEXT = "Forum de la diaspora a Kayes le 12 mai: inscrivez-vous, tapez FORUM."


async def smpp_broadcast(args: argparse.Namespace) -> int:
    from bot.background import Background
    from bot.channels.sms_providers import sms_channel
    from bot.services import Services
    from bot.settings import Settings
    from storage.models import Contact, OutboxItem

    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSmsc("diaspora", "secret") as smsc:
            settings = Settings(
                _env_file=None,
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                smpp_host="127.0.0.1",
                smpp_port=smsc.port,
                smpp_system_id="diaspora",
                smpp_password="secret",
                smpp_source_addr="38383",
                smpp_tps=args.tps,
                quiet_hours="",
                outbox_batch_size=args.window,
            )
            services = await Services.start(settings, answers=False)
            numbers = [f"+2237{n:07d}" for n in range(args.messages)]
            now = datetime.now(UTC)
            # Queued as a broadcast queues them: contacts, then one outbox row each (in bulk
            # here: the per-row `outbox.enqueue` is not what is measured).
            async with services.db.transaction() as session:
                await session.execute(
                    insert(Contact),
                    [{"address": f"tel:{n}", "channel": "sms", "language": "fr"} for n in numbers],
                )
                ids = list(await session.scalars(select(Contact.id).order_by(Contact.id)))
                await session.execute(
                    insert(OutboxItem),
                    [
                        {
                            "contact_id": contact_id,
                            "channel": "sms",
                            "address": f"tel:{number}",
                            "text": TEXT,
                            "kind": "broadcast",
                            "source": "broadcast:1",
                            "dedupe_key": f"broadcast:1:{contact_id}",
                            "status": "queued",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                        for contact_id, number in zip(ids, numbers, strict=True)
                    ],
                )
            channel = sms_channel(services)
            assert channel is not None
            await channel.start()
            worker = Background(services, [channel.sender]).dispatcher
            assert worker is not None
            started = time.perf_counter()
            stats = await worker.run_until_idle()
            elapsed = time.perf_counter() - started
            await channel.stop()
            async with services.db.transaction() as session:
                by_status = dict(
                    (
                        await session.execute(
                            select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
                        )
                    ).all()
                )
            await services.close()
            received = Counter(to for to, _ in smsc.messages())
    first, last = smsc.submitted[0].at, smsc.submitted[-1].at
    achieved = (len(smsc.submitted) - 1) / (last - first) if last > first else float("inf")
    twice = sum(1 for count in received.values() if count > 1)
    missing = args.messages - len(received)
    print(
        f"smpp broadcast: {args.messages} messages at SMPP_TPS={args.tps:g}: "
        f"{elapsed:.1f} s, achieved {achieved:.1f} submit_sm/s at the SMSC, "
        f"{args.messages / elapsed:.1f} messages/s end to end"
    )
    print(
        f"outbox {json.dumps(by_status, sort_keys=True)}; dispatcher sent {stats.sent}; "
        f"received twice: {twice}; missing: {missing}"
    )
    return 0 if twice == 0 and missing == 0 and by_status == {"sent": args.messages} else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("android", help="inbound webhooks per second on the Android route")
    one.add_argument("-n", "--requests", type=int, default=2000)
    one.add_argument("-c", "--concurrency", type=int, default=16)
    send = sub.add_parser("android-send", help="CPU of one send to the phone, per HTTP layer")
    send.add_argument("-n", "--sends", type=int, default=600)
    send.add_argument("-c", "--concurrency", type=int, default=8)
    send.add_argument("--rounds", type=int, default=2)
    two = sub.add_parser("smpp", help="a broadcast over a fake SMSC at SMPP_TPS")
    two.add_argument("-n", "--messages", type=int, default=10_000)
    two.add_argument("--tps", type=float, default=100.0)
    two.add_argument("--window", type=int, default=20)
    args = parser.parse_args()
    if args.what == "android":
        return android(args)
    if args.what == "android-send":
        return android_send(args)
    return asyncio.run(smpp_broadcast(args))


if __name__ == "__main__":
    sys.exit(main())
