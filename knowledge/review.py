"""The reviewer's view of the FAQ: every entry as a ministry reviewer reads and signs it.

`diaspora-bot kb review --format csv|md --output FILE` writes, for each entry, its questions, its
answers (full and SMS, in every language), its source, the year its facts held (`as_of`), the
date a person last checked it (`reviewed`) and the sentences marked as guidance. `kb check
--stale DAYS` uses `stale_entries` to list the entries nobody has checked for that long.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from knowledge.faq_entries import LANGUAGES, Entry, entry_from_dict, faq_files, read_yaml

FORMATS = ("csv", "md")
# Who set the `reviewed` dates, said where the reviewer reads them (CSV column, Markdown line).
CHECKED_COLUMN = "checked_against_sources_by_engineering_on"
SIGNATURE_COLUMN = "ministry_signature"
AWAITING = "awaiting the ministry's signature"


@dataclass(frozen=True)
class Reviewed:
    file: str
    entry: Entry


def entries(directory: Path) -> list[Reviewed]:
    """Every entry of the FAQ files, in file order, with the file it lives in (read as the bot
    reads them: the SMS derived where none is written)."""
    found: list[Reviewed] = []
    for path in faq_files(directory):
        data = read_yaml(path) or {}
        topic = str((data.get("topic") or {}).get("id") or path.stem)
        for raw in data.get("entries") or []:
            if isinstance(raw, dict) and raw.get("id"):
                found.append(Reviewed(path.name, entry_from_dict(raw, topic)))
    return found


def _reviewed_on(entry: Entry) -> dt.date | None:
    try:
        return dt.date.fromisoformat(entry.reviewed)
    except ValueError:
        return None


def stale_entries(directory: Path, days: int, today: dt.date) -> list[str]:
    """`file: entry: not reviewed since DATE (N days)` for entries older than `days`."""
    lines = []
    for item in entries(directory):
        reviewed = _reviewed_on(item.entry)
        if reviewed is None:
            lines.append(f"{item.file}: {item.entry.id}: never reviewed")
        elif (today - reviewed).days > days:
            age = (today - reviewed).days
            lines.append(
                f"{item.file}: {item.entry.id}: not reviewed since {reviewed} ({age} days)"
            )
    return lines


COLUMNS = (
    "file",
    "id",
    "kind",
    *(f"title_{lang}" for lang in LANGUAGES),
    *(f"questions_{lang}" for lang in LANGUAGES),
    *(f"answer_{lang}" for lang in LANGUAGES),
    *(f"sms_{lang}" for lang in LANGUAGES),
    "source",
    "as_of",
    CHECKED_COLUMN,
    SIGNATURE_COLUMN,  # empty: for the ministry's reviewer to fill in
    *(f"guidance_{lang}" for lang in LANGUAGES),
)


def _row(item: Reviewed) -> dict[str, str]:
    entry = item.entry
    row = {
        "file": item.file,
        "id": entry.id,
        "kind": entry.kind + (" (urgent)" if entry.urgent else ""),
        "source": entry.source,
        "as_of": str(entry.as_of or ""),
        CHECKED_COLUMN: entry.reviewed,
        SIGNATURE_COLUMN: "",
    }
    for lang in LANGUAGES:
        row[f"title_{lang}"] = entry.title.get(lang, "")
        row[f"questions_{lang}"] = "\n".join(entry.questions.get(lang, []))
        row[f"answer_{lang}"] = entry.answer.get(lang, "")
        row[f"sms_{lang}"] = entry.sms.get(lang, "")
        row[f"guidance_{lang}"] = "\n".join(entry.guidance.get(lang, []))
    return row


def to_csv(items: list[Reviewed]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for item in items:
        writer.writerow(_row(item))
    return out.getvalue()


def to_markdown(items: list[Reviewed]) -> str:
    lines = ["# FAQ for review", ""]
    lines.append(
        "Each entry: the questions it answers, its answers (full and SMS), its source, the year "
        "its facts held (as of), the date the engineering team checked it against the source "
        "documents, and the sentences marked as guidance (advice, not facts from a source). "
        "No entry has been signed by the ministry yet: sign each entry or mark what to change."
    )
    for item in items:
        row = _row(item)
        lines += ["", f"## {row['id']} ({row['file']}, {row['kind']})", ""]
        lines.append(f"- Source: {row['source']}")
        lines.append(f"- As of: {row['as_of'] or '(no figure)'}")
        lines.append(
            f"- Checked against the sources by the engineering team on {row[CHECKED_COLUMN]}; "
            f"{AWAITING}"
        )
        for lang in LANGUAGES:
            lines += ["", f"### {lang}: {row[f'title_{lang}']}", "", "Questions:", ""]
            lines += [f"- {q}" for q in item.entry.questions.get(lang, [])]
            lines += ["", "Answer:", ""]
            lines += [f"> {line}" if line else ">" for line in row[f"answer_{lang}"].split("\n")]
            lines += ["", f"SMS: {row[f'sms_{lang}']}"]
            guidance = item.entry.guidance.get(lang, [])
            lines += ["", "Guidance:" if guidance else "Guidance: none"]
            lines += [f"- {g}" for g in guidance]
    lines.append("")
    return "\n".join(lines)


def render(directory: Path, fmt: str) -> str:
    items = entries(directory)
    return to_csv(items) if fmt == "csv" else to_markdown(items)
