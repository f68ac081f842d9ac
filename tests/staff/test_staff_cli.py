"""The staff's command line, run as a person would run it."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.bot.test_cli import ROOT, run

CONTACTS = """\
address;language;country;name;subscribed
+223 76 12 34 56;fr;ML;Awa Traoré;oui
tel:+33612345678;english;fr;Moussa;yes
telegram:123456;;;;no
not a number;fr;;;
tel:+22376123456;fr;ML;Awa bis;yes
+22366000000;de;;;
+22370000001;fr;XX;;
+22370000002;fr;;;peut-être
"""


def _report(result: subprocess.CompletedProcess) -> str:
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def _export(tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "export.csv"
    result = run(["contacts", "export", "--output", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_import_reports_every_row_and_twice_changes_nothing(tmp_path: Path) -> None:
    file = tmp_path / "contacts.csv"
    file.write_text(CONTACTS, encoding="utf-8")
    first = run(["contacts", "import", str(file)], tmp_path)
    assert first.returncode == 1  # some rows were rejected
    report = first.stdout
    assert "line 5: rejected: address: not a phone number" in report
    assert "line 6: rejected: duplicate of line 2" in report
    assert "line 7: rejected: language: 'de'" in report
    assert "line 8: rejected: country: 'XX'" in report
    assert "line 9: rejected: subscribed: 'peut-être'" in report
    assert "imported: 3, updated: 0, unchanged: 0, rejected: 5" in report
    exported = {row["address"]: row for row in _export(tmp_path)}
    assert set(exported) == {"tel:+22376123456", "tel:+33612345678", "telegram:123456"}
    awa = exported["tel:+22376123456"]
    assert (awa["name"], awa["country"], awa["language"], awa["subscribed"]) == (
        "Awa Traoré",
        "ML",
        "fr",
        "yes",
    )
    assert exported["tel:+33612345678"]["language"] == "en"
    assert exported["tel:+33612345678"]["country"] == "FR"
    assert exported["telegram:123456"]["channel"] == "telegram"

    second = _report(run(["contacts", "import", str(file)], tmp_path))
    assert "imported: 0, updated: 0, unchanged: 3, rejected: 5" in second
    assert _export(tmp_path) == list(exported.values())

    file.write_text(CONTACTS.replace("Moussa;yes", "Moussa Diarra;no"), encoding="utf-8")
    third = _report(run(["contacts", "import", str(file)], tmp_path))
    assert "imported: 0, updated: 1, unchanged: 2, rejected: 5" in third

    audit = run(["audit", "--json"], tmp_path).stdout.splitlines()
    imports = [json.loads(line) for line in audit if '"contacts.imported"' in line]
    assert len(imports) == 3
    assert imports[-1]["details"]["imported"] == 3  # the oldest last
    assert imports[0]["actor"] == f"cli:{getpass.getuser()}"


def test_an_import_never_resubscribes_a_person_who_said_stop(tmp_path: Path) -> None:
    run(["chat", "--address", "+22376123456", "--json"], tmp_path, "STOP\n")
    file = tmp_path / "contacts.csv"
    file.write_text("address,subscribed\n+22376123456,yes\n", encoding="utf-8")
    report = _report(run(["contacts", "import", str(file)], tmp_path))
    assert "line 2: note: this person opted out (STOP): not subscribed again" in report
    (row,) = _export(tmp_path)
    assert (row["subscribed"], row["opted_out"]) == ("no", "yes")


def test_a_file_without_an_address_column_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "contacts.csv"
    file.write_text("who,name\n+22376123456,Awa\n", encoding="utf-8")
    result = run(["contacts", "import", str(file)], tmp_path)
    assert result.returncode == 2
    assert "no address column (téléphone, address...); found: who, name" in result.stderr


def _people(tmp_path: Path) -> None:
    file = tmp_path / "contacts.csv"
    file.write_text(CONTACTS, encoding="utf-8")
    run(["contacts", "import", str(file)], tmp_path)


def test_broadcast_send_without_yes_on_a_pipe_refuses(tmp_path: Path) -> None:
    _people(tmp_path)
    args = ["broadcast", "send", "--text-fr", "Réunion", "--segment", "channel:sms"]
    result = run(args, tmp_path, stdin="y\n")
    assert result.returncode == 2
    assert "stdin is not a terminal, add --yes" in result.stderr
    assert "recipients: 2" in result.stdout  # the preview is still shown
    assert "no broadcasts" in run(["broadcast", "list"], tmp_path).stdout


def test_broadcast_send_list_cancel_and_audit(tmp_path: Path) -> None:
    _people(tmp_path)
    result = run(
        [
            "broadcast", "send", "--text-fr", "Forum le 5 décembre à Bamako",
            "--text-en", "Forum on 5 December", "--segment", "channel:sms",
            "--at", "2030-01-01 09:00", "--yes",
        ],
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "recipients: 2" in out
    assert "  en sms: 1" in out and "  fr sms: 1" in out
    assert "SMS fr: GSM-7, 1 segment(s) a message x 1 = 1 segments" in out
    assert "broadcast 1 scheduled for 2030-01-01 09:00 (Bamako), 2 recipients" in out

    listing = run(["broadcast", "list"], tmp_path).stdout
    header, first = listing.splitlines()[:2]
    assert header.split()[:3] == ["id", "status", "send"]
    assert first.split()[:5] == ["1", "scheduled", "2030-01-01", "09:00", "channel:sms"]
    assert first.split()[-1] == f"cli:{getpass.getuser()}"  # no staff account yet: the login

    assert run(["broadcast", "cancel", "1"], tmp_path).stdout.strip() == "broadcast 1 cancelled"
    again = run(["broadcast", "cancel", "1"], tmp_path)
    assert again.returncode == 1 and "is cancelled: nothing left to cancel" in again.stderr
    assert run(["broadcast", "cancel", "9"], tmp_path).returncode == 1

    audit = run(["audit", "--limit", "2"], tmp_path).stdout.splitlines()
    assert audit[0].split()[:5] == ["at", "(GMT)", "actor", "action", "target"]
    assert [line.split()[3] for line in audit[1:]] == ["broadcast.cancelled", "broadcast.created"]


def test_broadcast_send_explains_a_bad_segment_or_time(tmp_path: Path) -> None:
    bad = run(["broadcast", "send", "--text-fr", "x", "--segment", "lang:fr,pays:ML"], tmp_path)
    assert bad.returncode == 2
    assert "--segment: 'pays:ML' is not a term" in bad.stderr
    late = run(
        ["broadcast", "send", "--text-fr", "x", "--segment", "all", "--at", "2001-01-01 09:00"],
        tmp_path,
    )
    assert late.returncode == 2 and "already past" in late.stderr


def test_broadcast_send_asks_on_a_terminal(tmp_path: Path) -> None:
    _people(tmp_path)
    for answer, scheduled in (("n", False), ("y", True)):
        primary, secondary = pty.openpty()
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "broadcast", "send", "--text-fr", "Bonjour",
             "--segment", "all"],
            stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env,
            text=True,
        )  # fmt: skip
        os.write(primary, f"{answer}\n".encode())
        out, err = process.communicate(timeout=120)
        os.close(primary)
        os.close(secondary)
        assert "Schedule this announcement for 3 people? [y/N]" in out
        assert ("scheduled for" in out) == scheduled, out + err
    listing = run(["broadcast", "list"], tmp_path).stdout.splitlines()
    assert len(listing) == 2  # the header and the one broadcast


def test_stats_show_ticket_response_times_and_gaps_run(tmp_path: Path) -> None:
    figures = json.loads(run(["stats", "--json"], tmp_path).stdout)
    assert figures["tickets"] == {
        "open": 0,
        "answered": 0,
        "median_minutes": None,
        "max_minutes": None,
    }
    result = run(["gaps"], tmp_path)
    assert result.returncode == 0, result.stderr
    plain = run(["stats"], tmp_path).stdout
    assert "None" not in plain and "median_minutes: -" in plain
