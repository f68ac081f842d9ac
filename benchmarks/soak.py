"""A soak of the real service under mixed load, then: every inbound stored, every outbox row in a
final state, an RSS curve, no error logged, no 500.

    python benchmarks/soak.py --minutes 10            # the recorded figure (docs/benchmarks.md)
    python benchmarks/soak.py --minutes 2 --sms-rate 10
    python benchmarks/soak.py --minutes 3 --fuzz 3000   # with junk and 30 MB bodies half-way
    python benchmarks/soak.py --minutes 10 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/soak   # an empty database

Starts, on loopback: the fast fake Bot API (benchmarks/fake_bot_api.py), a fake Twilio REST API
(here, for the dispatcher's SMS), and `python -m bot run` under uvicorn with Telegram in webhook
mode and Twilio on, on a temporary SQLite database (or the empty database `--database-url`
names, which the service upgrades at start). Then for the duration:
- inbound SMS from many people (signed as Twilio signs), each at a human pace: menus, numbered
  choices, questions, and whole forum registrations;
- Telegram updates (webhook, with the secret) from other people: questions, and questions for a
  person (CONSEILLER) with follow-ups, which become staff notices to the staff group;
- one flooding number (30 SMS at once: one notice, then silence);
- a broadcast to everyone, scheduled through the CLI a third of the way in.
FAQ_SEMANTIC is off (the sentence encoder's CPU at start would be measured instead of the soak)
and TICKET_NOTICE_MINUTES is 1 (so that batched staff notices fall due within the drain).
Then it waits for the outbox to drain and checks. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import create_async_engine
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sms_webhook import free_port, wait_healthy  # noqa: E402

TOKEN = "soak-auth-token"
ACCOUNT_SID = "AC" + "5" * 32
PUBLIC_URL = "https://bot.example.org"
SECRET = "soak_secret-1"
BOT_TOKEN = "123456:SOAK-token"
STAFF_GROUP = -100500
FINAL = {"sent", "delivered", "failed", "cancelled", "unknown"}

SMS_SCRIPTS = [
    ["bonjour", "menu", "2", "double nationalite ?", "merci"],
    ["comment envoyer de l'argent au mali", "1", "PLUS", "merci"],
    [
        "INSCRIPTION fidima",
        "Awa Traore",
        "France",
        "Paris",
        "06 12 34 56 78",
        "2",
        "PASSER",
        "OUI",
    ],
    ["aide", "LANGUE en", "how to invest in Mali", "menu"],
]
TELEGRAM_SCRIPTS = [
    ["bonjour", "double nationalité ?", "merci"],
    [
        "CONSEILLER",
        "Comment légaliser un acte de naissance à Pékin ?",
        "précision 1",
        "précision 2",
        "précision 3",
        "précision 4",
    ],
    [
        "INSCRIPTION fidima",
        "Moussa Keita",
        "Sénégal",
        "Dakar",
        "moussa@example.org",
        "1",
        "PASSER",
        "OUI",
    ],
]


class FakeTwilio(asyncio.Protocol):
    """Twilio's Messages.json, answering 201 with a new SID; counts what it was sent."""

    sent = 0

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").lower()
            length = 0
            for line in head.split("\r\n"):
                if line.startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            FakeTwilio.sent += 1
            body = json.dumps(
                {
                    "sid": f"SM{FakeTwilio.sent:032x}",
                    "status": "queued",
                    "account_sid": ACCOUNT_SID,
                }
            ).encode()
            self.transport.write(
                b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Load:
    def __init__(self, base_url: str, client: httpx.AsyncClient) -> None:
        self.base_url = base_url
        self.client = client
        self.validator = RequestValidator(TOKEN)
        self.codes: dict[int, int] = {}
        self.sms_sids: list[str] = []
        self.update_ids: list[int] = []
        self._sids = itertools.count(1)
        self._updates = itertools.count(1)
        self.latencies: list[float] = []
        self.retried = 0

    def _count(self, code: int) -> None:
        self.codes[code] = self.codes.get(code, 0) + 1

    async def _post(self, path: str, content: str, headers: dict) -> httpx.Response:
        """POST, and again as Twilio and Telegram do when the connection breaks before an answer
        (a keep-alive connection the server closed as it was reused): same id, so the service
        must store it once. `retried` counts them."""
        for attempt in range(3):
            try:
                return await self.client.post(path, content=content, headers=headers)
            except httpx.TransportError:
                if attempt == 2:
                    raise
                self.retried += 1
                await asyncio.sleep(1)
        raise AssertionError("unreachable")

    async def sms(self, number: str, body: str) -> None:
        sid = f"SM{next(self._sids):032d}"
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": number,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
        }
        signature = self.validator.compute_signature(f"{PUBLIC_URL}/sms/twilio", form)
        started = time.perf_counter()
        response = await self._post(
            "/sms/twilio",
            content=urlencode(form),
            headers={
                "X-Twilio-Signature": signature,
                "content-type": "application/x-www-form-urlencoded",
            },
        )
        self.latencies.append(time.perf_counter() - started)
        self._count(response.status_code)
        self.sms_sids.append(sid)

    async def telegram(self, chat_id: int, text: str) -> None:
        update_id = next(self._updates)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {
                    "id": chat_id,
                    "is_bot": False,
                    "first_name": "Awa",
                    "language_code": "fr",
                },
                "text": text,
            },
        }
        response = await self._post(
            "/telegram/webhook",
            content=json.dumps(update),
            headers={
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
                "content-type": "application/json",
            },
        )
        self._count(response.status_code)
        self.update_ids.append(update_id)


async def person(load: Load, send, script: list[str], stop: float, pause: float) -> None:  # type: ignore[no-untyped-def]
    """One person going through their script again and again at a human pace."""
    await asyncio.sleep(random.uniform(0, pause))
    for text in itertools.cycle(script):
        if time.monotonic() >= stop:
            return
        await send(text)
        await asyncio.sleep(pause * random.uniform(0.8, 1.2))


async def drive(
    args: argparse.Namespace, base_url: str, env: dict, server: subprocess.Popen, log: Path
) -> tuple[Load, list[tuple[float, float]]]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        load = Load(base_url, client)
        seconds = args.minutes * 60
        stop = time.monotonic() + seconds
        # Each person writes every `pause` seconds: people = rate * pause.
        sms_people = max(1, int(args.sms_rate * args.pause))
        tg_people = max(1, int(args.telegram_rate * args.pause))
        tasks = [
            asyncio.create_task(
                person(
                    load,
                    lambda t, n=n: load.sms(f"+2237{n:07d}", t),
                    SMS_SCRIPTS[n % len(SMS_SCRIPTS)],
                    stop,
                    args.pause,
                )
            )
            for n in range(sms_people)
        ]
        tasks += [
            asyncio.create_task(
                person(
                    load,
                    lambda t, n=n: load.telegram(900_000 + n, t),
                    TELEGRAM_SCRIPTS[n % len(TELEGRAM_SCRIPTS)],
                    stop,
                    args.pause,
                )
            )
            for n in range(tg_people)
        ]

        async def flood() -> None:
            await asyncio.sleep(min(30, seconds / 4))
            await asyncio.gather(*(load.sms("+22379999999", f"flood {i}") for i in range(30)))

        async def fuzz() -> None:
            """Half-way: 24 unsigned 30 MB bodies (refused while read), then junk to every
            webhook; the RSS before and after goes into `fuzz_rss`."""
            if not args.fuzz:
                return
            await asyncio.sleep(seconds / 2)
            fuzz_rss.append(rss_mb(server.pid))
            big = b"x" * (30 * 1024 * 1024)
            for path in ("/sms/twilio", "/telegram/webhook") * 12:
                try:
                    response = await client.post(path, content=big)
                    load._count(response.status_code)
                except httpx.HTTPError:  # the server may close the connection after its 413
                    load._count(413)
            rng = random.Random(19)
            for i in range(args.fuzz):
                path = ("/sms/twilio", "/sms/twilio/status", "/telegram/webhook")[i % 3]
                body = rng.randbytes(rng.randint(0, 2000))
                headers = {
                    "content-type": rng.choice(
                        ["application/x-www-form-urlencoded", "application/json", "text/plain"]
                    )
                }
                if path.startswith("/sms"):
                    headers["X-Twilio-Signature"] = "bm90IGEgc2lnbmF0dXJl"
                else:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = SECRET
                    body = json.dumps(
                        {
                            "update_id": rng.choice([i, "x", None, -1]),
                            "message": {
                                "chat": {"id": rng.choice([1, "a", None])},
                                "text": body.decode("latin-1"),
                            },
                        }
                    ).encode()
                response = await client.post(path, content=body, headers=headers)
                load._count(response.status_code)
            fuzz_rss.append(rss_mb(server.pid))

        async def broadcast() -> None:
            await asyncio.sleep(seconds / 3)
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "broadcast",
                "send",
                "--text-fr",
                "Rappel : le forum FIDIMA ouvre ses inscriptions.",
                "--text-en",
                "Reminder: FIDIMA registrations are open.",
                "--segment",
                "all",
                "--yes",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await proc.communicate()
            print(f"broadcast: exit {proc.returncode}: {out.decode().strip()[-200:]}", flush=True)

        rss: list[tuple[float, float]] = []
        fuzz_rss: list[float] = []

        async def sample() -> None:
            started = time.monotonic()
            while time.monotonic() < stop + args.drain:
                rss.append((time.monotonic() - started, rss_mb(server.pid)))
                await asyncio.sleep(args.sample)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*tasks, flood(), broadcast(), fuzz())
        sampler.cancel()
        load.fuzz_rss = fuzz_rss  # type: ignore[attr-defined]
        return load, rss


async def query(url: str, statement: str, **params: object) -> list[tuple]:
    """Rows of one read-only statement on the soak's database, whichever the engine."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(sql(statement), params)]
    finally:
        await engine.dispose()


async def outbox_state(url: str) -> dict[str, int]:
    rows = await query(url, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {status: count for status, count in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sms-rate", type=float, default=15, help="inbound SMS a second")
    parser.add_argument("--telegram-rate", type=float, default=5, help="updates a second")
    parser.add_argument(
        "--pause", type=float, default=12, help="seconds between one person's messages"
    )
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples")
    parser.add_argument("--drain", type=float, default=180, help="seconds allowed to drain")
    parser.add_argument("--fuzz", type=int, default=0, help="junk requests half-way (0: none)")
    parser.add_argument(
        "--database-url",
        help="an empty database for the service (default: a temporary SQLite file)",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'soak.db'}"
    log = tmp / "server.log"
    bot_api = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fake_bot_api"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    bot_api_url = bot_api.stdout.readline().strip()  # type: ignore[union-attr]

    loop = asyncio.new_event_loop()
    twilio_server = loop.run_until_complete(loop.create_server(FakeTwilio, "127.0.0.1", 0))
    twilio_url = f"http://127.0.0.1:{twilio_server.sockets[0].getsockname()[1]}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": PUBLIC_URL,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_API_URL": bot_api_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "STAFF_CHAT_ID": str(STAFF_GROUP),
        "STAFF_TELEGRAM_IDS": "1001",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_URL": twilio_url,
        "QUIET_HOURS": "",
        "SMS_MAX_RATE": "30",
        "FAQ_SEMANTIC": "false",
        "BROADCAST_POLL_SECONDS": "2",
        # One staff notice per ticket a minute (default 5): the batched notices of the last
        # minutes then fall due within the drain, and the check sees them final.
        "TICKET_NOTICE_MINUTES": "1",
    }
    log_file = log.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log_file, stderr=log_file
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        loop.run_until_complete(loop.run_in_executor(None, wait_healthy, base_url, server))
        print(
            f"service up in {time.monotonic() - started:.1f} s; RSS {rss_mb(server.pid):.0f} MB",
            flush=True,
        )
        load, rss = loop.run_until_complete(drive(args, base_url, env, server, log))
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            state = loop.run_until_complete(outbox_state(url))
            if not state.get("queued") and not state.get("sending"):
                break
            loop.run_until_complete(asyncio.sleep(2))
        drained = time.monotonic() - (deadline - args.drain)
        rss.append((rss[-1][0] + drained if rss else 0, rss_mb(server.pid)))
    finally:
        server.terminate()
        try:
            server.wait(90)  # the dispatcher finishes what is in flight (a group's pace)
        except subprocess.TimeoutExpired:
            print("the service took more than 90 s to stop; killed", flush=True)
            server.kill()
            server.wait(10)
        bot_api.stdin.close()  # type: ignore[union-attr]
        bot_api.wait(10)
        twilio_server.close()
        log_file.close()

    def scalar(statement: str, **params: object) -> int:
        return loop.run_until_complete(query(url, statement, **params))[0][0]

    stored_sms = scalar(
        "SELECT COUNT(DISTINCT provider_id) FROM messages WHERE direction='in' AND channel='sms'"
    )
    stored_tg = scalar(
        "SELECT COUNT(DISTINCT provider_id) FROM messages "
        "WHERE direction='in' AND channel='telegram'"
    )
    limited = dict(
        loop.run_until_complete(
            query(
                url,
                "SELECT error_code, COUNT(*) FROM messages WHERE error_code LIKE 'limit:%' "
                "GROUP BY error_code",
            )
        )
    )
    to_staff = scalar(
        "SELECT COUNT(*) FROM outbox WHERE address = :address",
        address=f"telegram:{STAFF_GROUP}",
    )
    state = loop.run_until_complete(outbox_state(url))
    text = log.read_text()
    errors = [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line]
    latencies = sorted(load.latencies)
    warm = next((mb for t, mb in rss if t >= 60), rss[0][1] if rss else 0)
    peak = max(mb for _, mb in rss) if rss else 0
    end = rss[-1][1] if rss else 0

    print(
        f"duration: {args.minutes:g} min; SMS sent {len(load.sms_sids)}, Telegram updates "
        f"{len(load.update_ids)}; HTTP codes {dict(sorted(load.codes.items()))}; "
        f"sent again after a broken connection: {load.retried}"
    )
    if latencies:
        print(
            f"SMS webhook latency: p50 {1000 * latencies[len(latencies) // 2]:.0f} ms, "
            f"p99 {1000 * latencies[int(0.99 * len(latencies))]:.0f} ms, "
            f"max {1000 * latencies[-1]:.0f} ms"
        )
    print(
        f"stored: SMS {stored_sms}/{len(load.sms_sids)}, Telegram {stored_tg}/"
        f"{len(load.update_ids)}"
    )
    print(f"outbox: {state}; staff notices {to_staff}; drained {drained:.0f} s after the load")
    print(f"limits hit: {limited}")
    print(f"fake Twilio REST sends: {FakeTwilio.sent}")
    print("RSS MB (s: MB): " + ", ".join(f"{t:.0f}: {mb:.0f}" for t, mb in rss))
    print(
        f"RSS after warm-up (1 min) {warm:.0f} MB, peak {peak:.0f} MB, end {end:.0f} MB "
        f"({100 * (end - warm) / warm:+.0f} %)"
        if warm
        else "no RSS samples"
    )
    fuzz_rss = getattr(load, "fuzz_rss", [])
    if len(fuzz_rss) == 2:
        print(
            f"fuzz ({args.fuzz} junk requests, 24 x 30 MB): RSS {fuzz_rss[0]:.0f} -> "
            f"{fuzz_rss[1]:.0f} MB"
        )
    print(f"errors logged: {len(errors)}")
    for line in errors[:5]:
        print("  " + line[:200])
    checks = {
        "no 5xx": not any(code >= 500 for code in load.codes),
        "every SMS stored": stored_sms == len(load.sms_sids),
        "every update stored": stored_tg == len(load.update_ids),
        "every outbox row final": set(state) <= FINAL,
        "no error logged": not errors,
        "RSS within 20 % of warm-up": bool(warm) and end <= warm * 1.2,
    }
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(f"(server log{' and database' if not args.database_url else ''} kept in {tmp})")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
