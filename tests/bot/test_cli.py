"""The command line, run as a person would run it (in-process: tests/cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import Result, cli

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], tmp_path: Path, stdin: str = "", **extra_env: str) -> Result:
    return cli(args, tmp_path / "cli.db", stdin, **extra_env)


def test_chat_json_prints_one_line_per_message(tmp_path: Path) -> None:
    result = run(["chat", "--json"], tmp_path, "menu\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["in"] == "menu"
    assert any(o["value"] == "QUESTIONS" for r in record["replies"] for o in r["options"])


def test_the_same_address_keeps_its_conversation(tmp_path: Path) -> None:
    run(["chat", "--address", "console:awa"], tmp_path, "langue en\n")
    result = run(["chat", "--address", "console:awa"], tmp_path, "menu\n")
    assert "Menu: choose" in result.stdout


def test_a_phone_address_is_normalised(tmp_path: Path) -> None:
    result = run(["chat", "--address", "+223 76 12 34 56", "--json"], tmp_path, "mes donnees\n")
    assert "tel:+22376123456" in result.stdout


def test_a_bad_address_is_refused_clearly(tmp_path: Path) -> None:
    result = run(["chat", "--address", "telegram:abc"], tmp_path, "menu\n")
    assert result.returncode == 2
    assert "telegram:<numeric chat id>" in result.stderr


def test_stats_counts_messages(tmp_path: Path) -> None:
    run(["chat", "--json"], tmp_path, "bonjour\nmenu\n")
    result = run(["stats", "--json"], tmp_path)
    figures = json.loads(result.stdout)
    assert figures["messages_in"] == 2
    assert figures["contacts_by_channel"] == {"console": 1}


def test_the_installed_command_migrates_a_new_database_then_chats(tmp_path: Path) -> None:
    """The real entry point, once, in a process of its own: what `make run` does."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/new.db"}

    def command(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
            cwd=ROOT, env=env, timeout=120, check=False,
        )  # fmt: skip

    upgrade = command("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert "SQLite is up to date" in upgrade.stdout
    chat = command("chat", "--json", stdin="menu\n")
    assert '"QUESTIONS"' in chat.stdout, chat.stderr


@pytest.mark.parametrize("args", [["stats"], ["chat", "--json"], ["outbox", "list"]])
def test_a_command_on_a_database_not_yet_migrated_says_to_upgrade(
    tmp_path: Path, args: list[str]
) -> None:
    result = cli(args, tmp_path / "new.db", "menu\n", migrated=False)
    assert result.returncode == 1
    assert "run `diaspora-bot db upgrade` first" in result.stderr
    assert result.stdout == ""


def test_upgrade_on_an_up_to_date_database_says_so(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SQLite is up to date" in result.stdout


def test_upgrade_builds_the_faq_cache_the_first_answer_reads(tmp_path: Path) -> None:
    """So the first start after an install or an FAQ change does not compute it (issue 13)."""
    cache = tmp_path / "cache"
    result = run(["db", "upgrade"], tmp_path, FAQ_SEMANTIC="true", FAQ_CACHE_DIR=str(cache))
    assert result.returncode == 0, result.stderr
    assert f"FAQ embeddings cached in {cache}" in result.stdout
    assert len(list(cache.glob("faq-embeddings-*.npy"))) == 1
    assert len(list(cache.glob("faq-question-encoder-*.npz"))) == 1


def test_poll_commands_from_file_to_results(tmp_path: Path) -> None:
    """poll check, create, send (preview, --yes), an answer, results as JSON, close."""
    poll_file = ROOT / "knowledge" / "polls" / "invest_sector.yaml"
    checked = run(["poll", "check", str(poll_file)], tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "ok, poll invest_sector, 3 question(s)" in checked.stdout
    run(["chat", "--address", "console:awa"], tmp_path, "bonjour\n")
    created = run(["poll", "create", str(poll_file)], tmp_path)
    assert created.stdout.strip() == "invest_sector", created.stderr
    refused = run(["poll", "send", "invest_sector", "--segment", "all"], tmp_path)
    assert refused.returncode == 2 and "add --yes" in refused.stderr
    sent = run(["poll", "send", "invest_sector", "--segment", "all", "--yes"], tmp_path)
    assert "recipients: 1" in sent.stdout and "1 invitation(s) queued" in sent.stdout
    run(["dispatch", "--until-idle"], tmp_path, QUIET_HOURS="")  # whatever the time of day
    answered = run(["chat", "--address", "console:awa"], tmp_path, "2\n")
    assert "Noté : Commerce." in answered.stdout
    results = run(
        ["poll", "results", "invest_sector", "--by", "channel", "--format", "json"], tmp_path
    )
    found = json.loads(results.stdout)
    assert found["poll"] == "invest_sector" and found["sent"] == 1 and found["respondents"] == 1
    sector = found["questions"][0]
    assert sector["id"] == "sector" and sector["answers"] == 1
    assert {"value": "trade", "count": 1, "percent": 100.0} in sector["options"]
    assert sector["by"] == {"console": {"trade": 1}}
    assert run(["poll", "close", "invest_sector"], tmp_path).returncode == 0
    assert "clos" in run(["chat", "--address", "console:awa"], tmp_path, "1\n").stdout
    exported = run(["poll", "export", "invest_sector"], tmp_path)
    assert "sector,trade" in exported.stdout
    assert "poll_export" in run(["audit"], tmp_path).stdout


def test_poll_check_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad-id\ntitle: {fr: Titre}\nquestions: []\n", encoding="utf-8")
    result = run(["poll", "check", str(bad)], tmp_path)
    assert result.returncode == 1
    assert "letters, digits and _" in result.stderr and "the en text is missing" in result.stderr


def test_commands_that_answer_no_question_do_not_load_the_sentence_model(
    tmp_path: Path, monkeypatch
) -> None:
    from knowledge.bundle import Knowledge

    asked: list[bool] = []
    load = Knowledge.load.__func__  # type: ignore[attr-defined]

    def spy(cls, *, semantic: bool = False, **options):  # noqa: ANN001, ANN003, ANN202
        asked.append(semantic)
        return load(cls, semantic=semantic, **options)

    monkeypatch.setattr(Knowledge, "load", classmethod(spy))
    for args in (["stats"], ["outbox", "list"], ["gaps"]):
        assert run(args, tmp_path, FAQ_SEMANTIC="true").returncode == 0
    assert asked == [False, False, False]
