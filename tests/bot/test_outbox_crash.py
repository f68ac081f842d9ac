"""The outbox's crash guarantee, with real processes: a dispatcher killed with SIGKILL at a random
moment and restarted never sends a message twice, and leaves at most one batch `unknown`."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from storage.db import Database
from tests.fakes.telegram_api import FakeBotApi
from tests.outbox_rows import people, queue, rows

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20  # the worker's window: the most a crash may leave unknown


def worker(db_url: str, api: FakeBotApi, name: str, rate: float, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.dispatch_worker", db_url, api.url, name, str(rate), *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_sent(api: FakeBotApi, at_least: int, proc: subprocess.Popen, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while len(api.sent) < at_least:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, f"only {len(api.sent)} sent"
        time.sleep(0.005)


@pytest.fixture
def api():
    with FakeBotApi() as fake:
        yield fake


async def test_a_killed_dispatcher_never_sends_twice(db: Database, db_url: str, api) -> None:
    count = 300
    ids = await people(db, [f"telegram:{n}" for n in range(1, count + 1)])
    await queue(db, ids, "Annonce du ministère")
    kills = 0
    rng = random.Random()
    # Kill it twice at random points of the run, then let a last life finish the work.
    for target in sorted(rng.sample(range(20, count - 40), 2)):
        proc = worker(db_url, api, "worker-a", 150)
        wait_for_sent(api, target, proc)
        await asyncio.sleep(
            rng.uniform(0, 0.05)
        )  # anywhere between two sends, or in the middle of one
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills += 1
    last = worker(db_url, api, "worker-a", 1000, "--until-idle")
    assert last.wait(timeout=120) == 0, last.stderr.read()

    per_chat = Counter(int(m["chat_id"]) for m in api.sent)
    assert max(per_chat.values()) == 1, "someone received the same message twice"
    final = await rows(db)
    status = Counter(r.status for r in final)
    assert set(status) <= {"sent", "unknown"}, status
    assert status["unknown"] <= kills * BATCH
    # `sent` means received; an `unknown` row may or may not have been.
    for row in final:
        chat = int(row.address.partition(":")[2])
        if row.status == "sent":
            assert per_chat[chat] == 1
    assert status["sent"] + status["unknown"] == count
    assert len(per_chat) >= status["sent"]


@pytest.mark.backends("postgres")  # several workers need SKIP LOCKED; SQLite runs one
async def test_two_workers_share_one_outbox(db: Database, db_url: str, api) -> None:
    count = 400
    ids = await people(db, [f"telegram:{n}" for n in range(1, count + 1)])
    await queue(db, ids, "Annonce du ministère")
    workers = [worker(db_url, api, name, 200, "--until-idle") for name in ("w1", "w2")]
    for proc in workers:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    per_chat = Counter(int(m["chat_id"]) for m in api.sent)
    assert len(per_chat) == count
    assert set(per_chat.values()) == {1}
    final = await rows(db)
    assert Counter(r.status for r in final) == {"sent": count}
    by_worker = Counter(r.claimed_by for r in final)
    assert set(by_worker) == {"w1", "w2"}, by_worker  # both took part
