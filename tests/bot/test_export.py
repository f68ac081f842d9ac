"""`diaspora-bot export registrations`: a CSV that a spreadsheet opens with its accents intact."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from bot.conversation import Conversation
from handlers.context import HandlerConfig
from knowledge.bundle import Knowledge
from storage.db import Database
from tests.chat import Chat, FakeClock
from tests.handlers.conftest import opened
from tests.handlers.forum_helpers import register, with_forum

ROOT = Path(__file__).resolve().parents[2]
BOM = b"\xef\xbb\xbf"


def _cli(args: list[str], db_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db_path}"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


async def _seed(db_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    await db.upgrade()
    try:
        knowledge = with_forum(opened(Knowledge.load()), "women_forum", capacity=1)
        conversation = Conversation(db, knowledge, HandlerConfig(clock=FakeClock()))
        await register(
            Chat(conversation, "console:aissata"),
            "women_forum",
            [
                "Aïssata Coulibaly-Traoré",
                "Côte d'Ivoire",
                "Montréal",
                "aissata@example.org",
                '=HYPERLINK("http://x")',
                "1",
            ],
        )
        await register(
            Chat(conversation, "console:fatoumata"),
            "women_forum",
            ["Fatoumata Sidibé", "Sénégal", "Thiès", "77 123 45 67", "PASSER", "3"],
        )
        await register(Chat(conversation, "console:awa"))  # FIDIMA
    finally:
        await db.dispose()


def _table(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.db"
    asyncio.run(_seed(db_path))

    result = _cli(["export", "registrations"], db_path)
    assert result.returncode == 0, result.stderr
    rows = _table(result.stdout)
    assert [r["forum"] for r in rows] == ["fidima", "women_forum", "women_forum"]
    aissata, fatoumata = rows[1], rows[2]
    assert aissata["name"] == "Aïssata Coulibaly-Traoré"
    assert aissata["country"] == "Côte d'Ivoire"
    assert aissata["country_code"] == "CI"
    assert aissata["city"] == "Montréal"
    assert aissata["contact"] == "aissata@example.org"
    assert aissata["gender"] == "Femme"
    assert aissata["status"] == "confirmed"
    assert aissata["code"].startswith("FEM-")
    # Typed text that a spreadsheet would run as a formula stays text.
    assert aissata["organisation"] == '\'=HYPERLINK("http://x")'
    assert fatoumata["status"] == "waitlisted"
    assert fatoumata["waitlist_position"] == "1"
    assert fatoumata["contact"] == "+221771234567"  # read in Senegal, her country
    assert fatoumata["gender"] == "Je préfère ne pas répondre"
    assert fatoumata["organisation"] == ""
    assert rows[0]["sector"] == "PME et commerce"
    assert rows[0]["created_at_utc"] == "2026-11-23 10:00:00"

    out = tmp_path / "femmes.csv"
    result = _cli(["export", "registrations", "--forum", "women_forum", "-o", str(out)], db_path)
    assert result.returncode == 0, result.stderr
    assert "2 registrations written" in result.stderr.decode()
    assert [r["name"] for r in _table(out.read_bytes())] == [
        "Aïssata Coulibaly-Traoré",
        "Fatoumata Sidibé",
    ]


def test_an_unknown_forum_is_refused(tmp_path: Path) -> None:
    result = _cli(["export", "registrations", "--forum", "fidma"], tmp_path / "bot.db")
    assert result.returncode == 2
    assert b"unknown forum 'fidma'" in result.stderr
