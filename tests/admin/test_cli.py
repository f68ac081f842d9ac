"""The back office's command-line faces: staff accounts, tickets, the acting staff account."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bot.test_cli import run

ADMIN, AGENT = "awa@ministere.ml", "moussa@ministere.ml"
PASSWORD = "correct horse battery"


def _chat(tmp_path: Path, lines: str) -> None:
    result = run(["chat", "--json", "--address", "tel:+22376123456"], tmp_path, lines)
    assert result.returncode == 0, result.stderr


def test_staff_accounts_from_the_command_line(tmp_path: Path) -> None:
    first = run(
        ["staff", "add", ADMIN, "--role", "admin", "--password-stdin"], tmp_path, PASSWORD + "\n"
    )
    assert first.returncode == 0, first.stderr
    assert f"{ADMIN} added (admin)" in first.stdout
    # Once an account exists, the CLI must be told who acts.
    anonymous = run(
        ["staff", "add", AGENT, "--role", "agent", "--password-stdin"], tmp_path, PASSWORD + "\n"
    )
    assert anonymous.returncode == 2
    assert "--as EMAIL" in anonymous.stderr and "Traceback" not in anonymous.stderr
    added = run(
        ["staff", "add", AGENT, "--role", "agent", "--telegram-id", "1002", "--password-stdin",
         "--as", ADMIN],
        tmp_path, PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    short = run(["staff", "password", AGENT, "--password-stdin"], tmp_path, "short\n",
                DIASPORA_STAFF=ADMIN)  # fmt: skip
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    listing = run(["staff", "list"], tmp_path).stdout.splitlines()
    assert listing[0].split()[:3] == ["email", "role", "telegram"]
    assert any(line.startswith(AGENT) and "1002" in line for line in listing)
    # An agent may not manage staff.
    refused = run(["staff", "remove", ADMIN], tmp_path, DIASPORA_STAFF=AGENT)
    assert refused.returncode == 2 and "is an agent" in refused.stderr
    removed = run(["staff", "remove", AGENT], tmp_path, DIASPORA_STAFF=ADMIN)
    assert removed.returncode == 0, removed.stderr
    audit = [json.loads(line) for line in run(["audit", "--json"], tmp_path).stdout.splitlines()]
    removal = next(e for e in audit if e["action"] == "staff.removed")
    assert removal["actor"] == f"staff:{ADMIN}" and removal["target"] == f"staff:{AGENT}"


def test_tickets_list_show_and_reply(tmp_path: Path) -> None:
    _chat(tmp_path, "conseiller\nMon fils a besoin d'un passeport\n")
    run(["staff", "add", AGENT, "--role", "agent", "--password-stdin"], tmp_path, PASSWORD + "\n")
    listing = run(["tickets", "list"], tmp_path)
    assert listing.returncode == 0, listing.stderr
    header, row = listing.stdout.splitlines()[:2]
    assert header.split()[:2] == ["id", "status"]
    assert "passeport" in row and "+22376123456" not in row  # masked
    as_json = json.loads(run(["tickets", "list", "--json"], tmp_path).stdout.splitlines()[0])
    assert as_json["question"] == "Mon fils a besoin d'un passeport"
    shown = run(["tickets", "show", str(as_json["id"])], tmp_path).stdout
    assert "recent messages:" in shown and "conseiller" in shown
    reply = run(["tickets", "reply", str(as_json["id"]), "Allez au consulat.", "--as", AGENT],
                tmp_path)  # fmt: skip
    assert reply.returncode == 0, reply.stderr
    again = run(["tickets", "reply", str(as_json["id"]), "Encore", "--as", AGENT], tmp_path)
    assert again.returncode == 1 and "already answered" in again.stderr
    assert "no open question" in run(["tickets", "list"], tmp_path).stdout
    # The answer waits in the outbox for the person's channel (SMS), as from Telegram's /reply.
    queued = json.loads(run(["outbox", "list", "--json"], tmp_path).stdout)["items"]
    answer = [i for i in queued if i["source"] == f"ticket:{as_json['id']}"]
    assert [(i["channel"], i["status"]) for i in answer] == [("sms", "queued")]
    audit = run(["audit", "--json"], tmp_path).stdout
    assert f'"actor": "staff:{AGENT}"' in audit


def test_a_french_excel_csv_imports_and_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    file = tmp_path / "liste.csv"
    file.write_bytes("Téléphone;Langue;Pays;Nom;Abonné\n+223 76 12 34 56;fr;ML;Awa Traoré;oui\n"
                     .encode("cp1252"))  # fmt: skip
    result = run(["contacts", "import", str(file)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "imported: 1, updated: 0, unchanged: 0, rejected: 0" in result.stdout
    missing = run(["contacts", "export", "--output", str(tmp_path / "nope" / "x.csv")], tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "cannot write" in missing.stderr
    exported = run(["contacts", "export"], tmp_path).stdout
    assert "Awa Traoré" in exported
