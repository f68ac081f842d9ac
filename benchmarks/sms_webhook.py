"""Inbound SMS throughput: the real service under uvicorn, signed Twilio webhooks over loopback.

    python benchmarks/sms_webhook.py --requests 5000 --concurrency 32
    python benchmarks/sms_webhook.py --servers 2 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_sms

Starts `python -m bot run` in a subprocess (127.0.0.1, a temporary SQLite database, a fake auth
token, PUBLIC_URL set to another host as behind a proxy), sends N signed webhook calls from P
people at concurrency C (a minimal HTTP/1.1 client, or httpx), then prints requests/s and
latency percentiles, and checks in the database that every message was stored exactly once.
Exit status 1 if any was lost, failed or stored twice.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "benchmark-auth-token"
ACCOUNT_SID = "AC" + "b" * 32
PUBLIC_URL = "https://bot.example.org"
PATH = "/sms/twilio"
# What people send: keywords, numbered choices, greetings, questions, an opt-out and back.
BODIES = ("menu", "2", "bonjour", "aide", "1", "LANGUE en", "double nationalité ?", "merci")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed_requests(count: int, people: int, prefix: str) -> list[tuple[str, dict, dict]]:
    """(MessageSid, form, headers) for each request, signed as Twilio signs them."""
    validator = RequestValidator(TOKEN)
    requests = []
    for i in range(count):
        sid = f"SM{prefix}{i:030d}"
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"+2237{(i % people):07d}",
            "To": "+15005550006",
            "Body": BODIES[(i // people) % len(BODIES)],
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        signature = validator.compute_signature(PUBLIC_URL + PATH, form)
        requests.append((sid, form, {"X-Twilio-Signature": signature}))
    return requests


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client: one request at a time on one connection.

    The load generator shares the 2 cores with the server, so it must cost little: httpx spent
    about 6 ms of CPU per request here, more than the server itself. This writes pre-encoded
    requests and reads the status line, the headers and a Content-Length body, as wrk does.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        close = False
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
            elif line.startswith(b"connection:") and b"close" in line:
                close = True
        await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def encoded(base_url: str, form: dict, headers: dict) -> bytes:
    """One POST as bytes on the wire, built before the clock starts."""
    body = urlencode(form).encode()
    host = base_url.split("//", 1)[1]
    lines = [
        f"POST {PATH} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run_load(
    base_urls: list[str],
    requests: list[tuple[str, dict, dict]],
    concurrency: int,
    deadline: float,
    client: str = "raw",
) -> tuple[list[float], dict[int | str, int], float]:
    """Connections spread over `base_urls` in turn, as a load balancer would."""
    if client == "raw":
        return await run_load_raw(base_urls, requests, concurrency, deadline)
    if len(base_urls) != 1:
        raise SystemExit("--client httpx talks to one server")
    base_url = base_urls[0]
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}
    queue = iter(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for _sid, form, headers in queue:
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                try:
                    response = await client.post(PATH, data=form, headers=headers)
                    status: int | str = response.status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return latencies, statuses, elapsed


async def run_load_raw(
    base_urls: list[str],
    requests: list[tuple[str, dict, dict]],
    concurrency: int,
    deadline: float,
) -> tuple[list[float], dict[int | str, int], float]:
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}
    # Every server has the same Host in this benchmark's signed URL (PUBLIC_URL), so one
    # encoding serves them all.
    queue = iter([encoded(base_urls[0], form, headers) for _sid, form, headers in requests])

    async def worker(base_url: str) -> None:
        host, port = base_url.split("//", 1)[1].split(":")
        connection = RawConnection(host, int(port))
        try:
            for request in queue:
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                try:
                    status: int | str = await asyncio.wait_for(connection.post(request), 30)
                except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
                    status = type(error).__name__
                    await connection.close()
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(base_urls[i % len(base_urls)]) for i in range(concurrency)))
    return latencies, statuses, time.perf_counter() - began


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to tell our cost from a busy machine's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pids: list[int], timeout: float = 60) -> None:
    """Until the servers stop using CPU on their own: at start the service builds the FAQ's
    sentence embeddings in a background thread (a few seconds of CPU), not to be counted."""
    deadline = time.monotonic() + timeout
    before = sum(cpu_seconds(pid) for pid in pids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(cpu_seconds(pid) for pid in pids)
        if now - before < 0.02:
            return
        before = now


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def stored_counts(db_path: Path, prefix: str, url: str | None = None) -> tuple[int, int]:
    """(messages stored for this run's sids, distinct sids among them)."""
    if url:
        return asyncio.run(_stored_counts_postgres(url, prefix))
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT provider_id) FROM messages "
            "WHERE direction = 'in' AND provider_id LIKE ?",
            (f"SM{prefix}%",),
        ).fetchone()
    return rows[0], rows[1]


async def _stored_counts_postgres(url: str, prefix: str) -> tuple[int, int]:
    import asyncpg  # noqa: PLC0415 - only for PostgreSQL runs
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        database=parsed.database,
    )  # fmt: skip
    try:
        row = await connection.fetchrow(
            "SELECT COUNT(*), COUNT(DISTINCT provider_id) FROM messages "
            "WHERE direction = 'in' AND provider_id LIKE $1",
            f"SM{prefix}%",
        )
    finally:
        await connection.close()
    return row[0], row[1]


def start_server(
    db_path: Path, port: int, log_path: Path, url: str | None = None
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url or f"sqlite+aiosqlite:///{db_path}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_URL": "http://127.0.0.1:9",  # never called: replies go back in TwiML
        "LOG_LEVEL": "WARNING",
    }
    log = log_path.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )


def wait_healthy(base_url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


async def core_only(count: int, people: int, concurrency: int) -> None:
    """The same messages straight into Conversation.handle: no HTTP, no signature, no TwiML.

    The difference from the full run is what the web layer and the webhook cost.
    """
    sys.path.insert(0, str(ROOT))
    from bot.channels.render import renderer_for
    from bot.services import Services
    from bot.settings import Settings
    from handlers.vocabulary import Inbound

    with tempfile.TemporaryDirectory(prefix="sms-bench-") as tmp:
        settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp}/core.db")
        services = await Services.start(settings, upgrade=True)
        services.knowledge.faq.wait_until_ready(timeout=120)  # built once at start: not counted
        render = renderer_for("sms", settings)
        work = iter(signed_requests(count, people, "c"))

        async def worker() -> None:
            for sid, form, _headers in work:
                inbound = Inbound("sms", f"tel:{form['From']}", form["Body"], provider_id=sid)
                await services.conversation.handle(inbound, render, reply_status="queued")

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        await services.close()
    print(
        f"core only   {count / elapsed:8.1f} messages/s, cpu {cpu / count * 1000:.2f} ms/message "
        f"(Conversation.handle, SQLite, concurrency {concurrency})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", "-n", type=int, default=5000)
    parser.add_argument("--concurrency", "-c", type=int, default=32)
    parser.add_argument("--people", "-p", type=int, default=500, help="distinct senders")
    parser.add_argument("--warmup", type=int, default=300, help="requests not measured")
    parser.add_argument("--max-seconds", type=float, default=120, help="bound on the run")
    parser.add_argument(
        "--servers",
        type=int,
        default=1,
        help="server processes on one SQLite file, each on its own port (as behind a balancer)",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: a minimal HTTP/1.1 client (default) or httpx (costs more CPU)",
    )
    parser.add_argument(
        "--core-only", action="store_true", help="time Conversation.handle alone, no server"
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL: this database is created (dropped first if it exists), used, dropped",
    )
    args = parser.parse_args()
    if args.core_only:
        asyncio.run(core_only(args.requests, args.people, args.concurrency))
        return 0

    load_before = os.getloadavg()[0]
    url = args.database_url
    if url:
        sys.path.insert(0, str(ROOT))
        from benchmarks.conversation import _create_postgres, _drop_postgres  # noqa: PLC0415

        asyncio.run(_create_postgres(url))
    with tempfile.TemporaryDirectory(prefix="sms-bench-") as tmp:
        db_path = Path(tmp) / "bench.db"
        ports = [free_port() for _ in range(args.servers)]
        base_urls = [f"http://127.0.0.1:{port}" for port in ports]
        log_paths = [Path(tmp) / f"server-{i}.log" for i in range(args.servers)]
        servers: list[subprocess.Popen] = []
        try:
            # One at a time: the first applies the migrations.
            for port, base_url, log_path in zip(ports, base_urls, log_paths, strict=True):
                servers.append(start_server(db_path, port, log_path, url))
                wait_healthy(base_url, servers[-1])
            wait_idle([server.pid for server in servers])
            warm = signed_requests(args.warmup, args.people, "w")
            asyncio.run(
                run_load(base_urls, warm, args.concurrency, time.monotonic() + 60, args.client)
            )
            load = signed_requests(args.requests, args.people, "m")
            deadline = time.monotonic() + args.max_seconds
            server_cpu = sum(cpu_seconds(server.pid) for server in servers)
            client_cpu = time.process_time()
            latencies, statuses, elapsed = asyncio.run(
                run_load(base_urls, load, args.concurrency, deadline, args.client)
            )
            server_cpu = sum(cpu_seconds(server.pid) for server in servers) - server_cpu
            client_cpu = time.process_time() - client_cpu
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
        stored, distinct = stored_counts(db_path, "m", url)
        if url:
            asyncio.run(_drop_postgres(url))
        errors = sum(path.read_text(errors="replace").count("ERROR") for path in log_paths)

    sent = len(latencies)
    ok = statuses.get(200, 0)
    print(
        f"requests {sent}/{args.requests} at concurrency {args.concurrency}, "
        f"{args.people} people, {'PostgreSQL' if url else 'SQLite'}, "
        f"{args.servers} uvicorn process(es)"
    )
    print(f"throughput  {sent / elapsed:8.1f} requests/s  ({elapsed:.2f} s)")
    if latencies:
        print(
            f"latency     p50 {percentile(latencies, 0.50) * 1000:6.1f} ms   "
            f"p90 {percentile(latencies, 0.90) * 1000:6.1f} ms   "
            f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms   "
            f"max {max(latencies) * 1000:6.1f} ms   "
            f"mean {statistics.fmean(latencies) * 1000:6.1f} ms"
        )
    if sent:
        print(
            f"cpu         server {server_cpu / sent * 1000:.2f} ms/request, "
            f"client {client_cpu / sent * 1000:.2f} ms/request; "
            f"load average before: {load_before:.2f} (2 cores, shared)"
        )
    print(f"responses   {dict(sorted(statuses.items(), key=str))}")
    print(
        f"stored      {stored} inbound messages, {distinct} distinct MessageSids "
        f"(expected {args.requests}); server log errors: {errors}"
    )
    complete = sent == args.requests and ok == sent and stored == distinct == args.requests
    print("check       " + ("OK: every message stored exactly once" if complete else "FAILED"))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
