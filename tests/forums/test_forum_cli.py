"""`diaspora-bot forum open|close|list`, run as staff would run them; and opening an edition
with a dispatcher killed mid-way tells nobody twice."""

from __future__ import annotations

import json
import random
import signal
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert

from handlers.forum_editions import open_and_notify
from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import ForumInterest, utcnow
from tests.bot.test_cli import run
from tests.bot.test_outbox_crash import BATCH, wait_for_sent, worker
from tests.fakes.telegram_api import FakeBotApi
from tests.handlers.forum_helpers import FIDIMA
from tests.outbox_rows import people, rows

OPEN = ["forum", "open", "fidima", "--starts", "2030-03-15", "--ends", "2030-03-16"]


def test_staff_open_list_and_close_an_edition(tmp_path: Path) -> None:
    listing = json.loads(run(["forum", "list", "--json"], tmp_path).stdout)
    assert [(f["id"], f["open"], f["waiting"]) for f in listing] == [
        ("fidima", False, 0),
        ("women_forum", False, 0),
        ("diaspo_istm", False, 0),
    ]
    run(["chat", "--address", "console:binta"], tmp_path, "PREVENIR fidima\n")
    assert json.loads(run(["forum", "list", "--json"], tmp_path).stdout)[0]["waiting"] == 1
    opened = run([*OPEN, "--place", "Bamako", "--capacity", "300"], tmp_path)
    assert opened.returncode == 0, opened.stderr
    assert "edition 1 open" in opened.stdout and "300 places" in opened.stdout
    assert "1 person(s) who asked will be told" in opened.stdout
    again = run([*OPEN, "--place", "Bamako", "--capacity", "300"], tmp_path)
    assert again.returncode == 1 and "already open" in again.stderr

    answers = "\n".join(["INSCRIPTION fidima", *FIDIMA, "OUI", ""])
    chat = run(["chat", "--address", "console:awa"], tmp_path, answers)
    assert "du 15 mars 2030 au 16 mars 2030" in chat.stdout and "FID-" in chat.stdout

    text = run(["forum", "list"], tmp_path).stdout
    assert "fidima: open" in text and "edition 1 open: 2030-03-15 to 2030-03-16" in text
    assert "300 places, 1 confirmed, 0 waitlisted" in text  # this edition's registrations
    assert run(["forum", "close", "fidima"], tmp_path).returncode == 0
    assert json.loads(run(["forum", "list", "--json"], tmp_path).stdout)[0]["open"] is False
    audit = run(["audit", "--json"], tmp_path).stdout
    assert "forum.opened" in audit and "forum.closed" in audit


def test_a_bad_edition_is_refused_with_a_reason(tmp_path: Path) -> None:
    bad = run(
        ["forum", "open", "fidima", "--starts", "2030-03-16", "--ends", "2030-03-15"]
        + ["--place", "Bamako", "--capacity", "10"],
        tmp_path,
    )
    assert bad.returncode == 1 and "before it starts" in bad.stderr
    unknown = run(
        ["forum", "open", "nope", "--starts", "2030-03-15", "--ends", "2030-03-16"]
        + ["--place", "Bamako", "--capacity", "10"],
        tmp_path,
    )
    assert unknown.returncode == 1 and "no forum 'nope'" in unknown.stderr


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    with FakeBotApi() as fake:
        yield fake


async def test_opening_tells_the_interest_list_once_even_if_the_dispatcher_is_killed(
    db: Database, db_url: str, api
) -> None:
    count = 200
    ids = await people(db, [f"telegram:{n}" for n in range(1, count + 1)])
    now = utcnow()
    async with db.transaction() as session:
        await session.execute(
            insert(ForumInterest),
            [{"contact_id": i, "forum_id": "fidima", "created_at": now} for i in ids],
        )
        _, told = await open_and_notify(
            session,
            Knowledge.load(),
            "fidima",
            starts_on=date(2030, 3, 15),
            ends_on=date(2030, 3, 16),
            place="Bamako",
            capacity=500,
            actor="cli:tester",
            now=now,
        )
    assert told == count
    proc = worker(db_url, api, "worker-a", 150)
    wait_for_sent(api, random.randint(20, count - 40), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    last = worker(db_url, api, "worker-a", 1000, "--until-idle")
    assert last.wait(timeout=120) == 0, last.stderr.read()

    per_chat = Counter(int(m["chat_id"]) for m in api.sent)
    assert max(per_chat.values()) == 1, "someone was told twice"
    assert all("Les inscriptions au FIDIMA sont ouvertes" in m["text"] for m in api.sent)
    status = Counter(r.status for r in await rows(db))
    assert set(status) <= {"sent", "unknown"} and status["unknown"] <= BATCH
    assert status["sent"] + status["unknown"] == count
