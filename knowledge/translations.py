"""Translators' workflow: export a language for translation (gettext PO or CSV), import what the
translators and reviewers send back, and say how far each language is. docs/translating.md.

A *unit* is one text to translate: a UI string (key "menu.title"), an FAQ text ("faq.<entry
id>.answer", ".title", ".sms"; "topic.<id>.title") or an awareness message ("awareness.<series>.
<id>.sms", ".text"). Its source is the default language's (French) text.

Reviewer's sign-off: a PO file whose header carries `X-Reviewed-By: <name>` (and optionally
`X-Review-Date: YYYY-MM-DD`) marks every translated entry that is not fuzzy as reviewed by that
person; fuzzy entries stay drafts, and a file without the header imports drafts only. In a CSV, a
row is reviewed when its `status` is `reviewed` and its `reviewer` is filled in.

SMS budget: a unit that may go out by SMS must, once transliterated (knowledge/gsm7.py), be GSM-7
and cost no more segments than its French source (at least one): a translation must not make the
families' messages dearer. An FAQ SMS answer keeps the FAQ's own limit (SMS_LIMIT characters), an
awareness SMS one segment. Texts only shown on Telegram (FAQ answers and titles, awareness texts)
have no budget.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polib
import yaml

from knowledge import awareness
from knowledge.faq_entries import SMS_LIMIT, load_faq
from knowledge.gsm7 import GSM7, segments, sendable_length, transliterate
from knowledge.locales import (
    CORE_KEYS,
    LOCALES_DIR,
    Locales,
    Pack,
    Translation,
    fields,
    load_pack,
)

# Where a UI string appears, by the first part of its key: said to translators in a comment.
WHERE = {
    "welcome": "first message to a newcomer",
    "welcome_sms": "first message to a newcomer, by SMS",
    "greeting_back": "answer to a greeting",
    "menu": "the main menu (title and buttons)",
    "help": "answer to AIDE / HELP",
    "input": "answers to empty, too long or non-text messages",
    "stop": "answer to STOP",
    "start": "answer to START",
    "language": "choosing a language (LANGUE)",
    "flow": "leaving a step-by-step procedure",
    "more": "the rest of a long SMS (PLUS)",
    "faq": "answering questions",
    "privacy": "MES DONNEES and erasing one's data",
    "telegram": "Telegram only",
    "sms": "SMS only",
    "registration": "registering for a forum",
    "subscriptions": "weekly awareness messages and inviting a relative",
    "staff": "ministry staff's tools (not seen by the public)",
    "i18n": "notes about languages",
}
HEADER_COMMENT = """\
# {name} ({language}): translated strings with their review status. docs/translating.md.
# Written by `diaspora-bot i18n import`; edit through a PO file (Poedit, Weblate) when you can.
# People see a string only once its status is `reviewed`, with a reviewer and a date.
"""


@dataclass(frozen=True)
class Unit:
    key: str
    source: str
    where: str
    sms_limit: int | None = None  # GSM-7 characters (None: not sent by SMS)
    sms_segments: int | None = None

    @property
    def comment(self) -> str:
        lines = [f"Where: {self.where}."]
        if self.sms_limit is not None:
            lines.append(
                f"SMS: at most {self.sms_limit} GSM-7 characters ({self.sms_segments} segment(s))."
            )
        placeholders = sorted(fields(self.source))
        if placeholders:
            lines.append(
                "Keep these words in braces as they are: "
                + ", ".join("{" + p + "}" for p in placeholders)
                + "."
            )
        return " ".join(lines)


def _segment_budget(source: str) -> tuple[int, int]:
    """(characters, segments) a translation of `source` may take on SMS."""
    count = max(1, segments(transliterate(source.strip())).segments)
    chars = 160 if count == 1 else 153 * count
    return chars, count


def units(locales: Locales, faq_dir: Path | None = None) -> dict[str, Unit]:
    """Every text a language can translate, by key, with its French source."""
    found: dict[str, Unit] = {}
    for key, text in locales.strings[locales.default].items():
        if key.startswith("meta.") or not isinstance(text, str) or not text.strip():
            continue
        where = WHERE.get(key.split(".")[0], "interface")
        if key.startswith(("telegram.", "staff.")):
            found[key] = Unit(key, text, where)
        else:
            chars, count = _segment_budget(text)
            found[key] = Unit(key, text, where, chars, count)
    default = locales.default
    topics, entries = load_faq(faq_dir)
    for topic in topics:
        if topic.title.get(default):
            key = f"topic.{topic.id}.title"
            found[key] = Unit(key, topic.title[default], "FAQ topic (a button)")
    for entry in entries.values():
        base = f"faq.{entry.id}"
        if entry.title.get(default):
            found[f"{base}.title"] = Unit(
                f"{base}.title", entry.title[default], "FAQ question title (a button)"
            )
        if entry.answer.get(default):
            found[f"{base}.answer"] = Unit(
                f"{base}.answer", entry.answer[default], "FAQ answer on Telegram"
            )
        if entry.sms.get(default):
            found[f"{base}.sms"] = Unit(
                f"{base}.sms",
                entry.sms[default],
                "FAQ answer by SMS",
                SMS_LIMIT,
                2,
            )
    for path in sorted(awareness.AWARENESS_DIR.glob("*.yaml")):
        series = awareness.series(path.stem)
        for message in series.messages:
            base = f"awareness.{series.id}.{message.id}"
            if message.sms.get(default):
                found[f"{base}.sms"] = Unit(
                    f"{base}.sms",
                    message.sms[default],
                    f"weekly awareness message {message.number}, by SMS",
                    160,
                    1,
                )
            if message.text.get(default):
                found[f"{base}.text"] = Unit(
                    f"{base}.text",
                    message.text[default],
                    f"weekly awareness message {message.number}, on Telegram",
                )
    return found


def check(unit: Unit, text: str) -> str | None:
    """Why `text` cannot translate `unit`, or None."""
    if fields(text) != fields(unit.source):
        return (
            f"placeholders {sorted(fields(text))} differ from the French "
            f"{sorted(fields(unit.source))}: keep the words in braces as they are"
        )
    if unit.sms_limit is not None:
        sms = transliterate(text.strip())
        outside = sorted({ch for ch in sms if ch not in GSM7})
        if outside:
            return f"not GSM-7 even once transliterated: {''.join(outside)!r}"
        if unit.key.startswith("faq.") and unit.key.endswith(".sms"):
            if sendable_length(text) > unit.sms_limit:
                return (
                    f"too long for SMS: {sendable_length(text)} characters, "
                    f"at most {unit.sms_limit}"
                )
        elif segments(sms).segments > (unit.sms_segments or 1):
            return (
                f"too long for SMS: {segments(sms).segments} segments ({len(sms)} characters), "
                f"the French takes {unit.sms_segments}: at most {unit.sms_limit} characters"
            )
    return None


def pack_problems(locales: Locales, faq_dir: Path | None = None) -> list[str]:
    """For `kb check`: every translated text of every pack held to the import's rules, so a
    pack edited by hand cannot hold what an import would refuse."""
    known = units(locales, faq_dir)
    found: list[str] = []
    for language, pack in sorted(locales.packs.items()):
        for key, translation in [*pack.strings.items(), *pack.content.items()]:
            unit = known.get(key)
            if unit is None:
                if key not in locales.strings[locales.default]:
                    found.append(f"{language}.yaml: {key}: no such text in the knowledge base")
                continue  # UI keys: Locales.problems reports unknown ones
            reason = check(unit, translation.text)
            if reason:
                found.append(f"{language}.yaml: {key}: {reason}")
            if translation.status == "reviewed" and not translation.reviewed:
                found.append(f"{language}.yaml: {key}: reviewed, but when? (reviewed)")
    return found


# --- export ---------------------------------------------------------------------------------


def _pack(locales: Locales, language: str) -> Pack:
    pack = locales.packs.get(language)
    if pack is None:
        raise ValueError(
            f"no translated pack for {language!r} (knowledge/locales/{language}.yaml)"
        )
    return pack


def _existing(pack: Pack, key: str) -> Translation | None:
    return pack.strings.get(key) or pack.content.get(key)


def export_po(locales: Locales, language: str, faq_dir: Path | None = None) -> polib.POFile:
    pack = _pack(locales, language)
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "diaspora-bot",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Source-Language": locales.default,
    }
    for unit in units(locales, faq_dir).values():
        existing = _existing(pack, unit.key)
        entry = polib.POEntry(
            msgctxt=unit.key,
            msgid=unit.source,
            msgstr=existing.text if existing else "",
            comment=unit.comment,
        )
        if existing is not None:
            if existing.is_reviewed:
                entry.tcomment = f"Reviewed by {existing.reviewer} on {existing.reviewed}"
            else:
                entry.flags.append("fuzzy")  # a draft: needs a reviewer
        po.append(entry)
    return po


CSV_COLUMNS = ("key", "source", "translation", "status", "reviewer", "reviewed", "notes")


def export_csv(locales: Locales, language: str, faq_dir: Path | None = None) -> str:
    pack = _pack(locales, language)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for unit in units(locales, faq_dir).values():
        existing = _existing(pack, unit.key)
        writer.writerow(
            (
                unit.key,
                unit.source,
                existing.text if existing else "",
                existing.status if existing else "",
                (existing.reviewer or "") if existing else "",
                (existing.reviewed or "") if existing else "",
                unit.comment,
            )
        )
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------


@dataclass
class Incoming:
    line: int
    key: str
    source: str
    text: str
    reviewed_by: str | None
    reviewed_on: str | None


@dataclass
class ImportResult:
    language: str
    path: Path | None = None
    errors: list[str] = field(default_factory=list)
    drafts: int = 0
    reviewed: int = 0
    unchanged: int = 0


def _read_po(path: Path, today: str) -> tuple[str, list[Incoming]]:
    po = polib.pofile(str(path), wrapwidth=0)
    language = str(po.metadata.get("Language", "")).strip()
    reviewer = str(po.metadata.get("X-Reviewed-By", "")).strip() or None
    on = str(po.metadata.get("X-Review-Date", "")).strip() or today
    rows = []
    for entry in po:
        if entry.obsolete or not entry.msgstr.strip():
            continue
        signed = reviewer if reviewer and not entry.fuzzy else None
        rows.append(
            Incoming(
                entry.linenum,
                entry.msgctxt or "",
                entry.msgid,
                entry.msgstr,
                signed,
                on if signed else None,
            )
        )
    return language, rows


def _read_csv(path: Path, language: str, today: str) -> list[Incoming]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            text = (row.get("translation") or "").strip()
            if not text:
                continue
            reviewer = (row.get("reviewer") or "").strip()
            signed = reviewer if (row.get("status") or "").strip() == "reviewed" else ""
            rows.append(
                Incoming(
                    reader.line_num,
                    (row.get("key") or "").strip(),
                    row.get("source") or "",
                    text,
                    signed or None,
                    ((row.get("reviewed") or "").strip() or today) if signed else None,
                )
            )
    return rows


def import_file(
    path: Path,
    *,
    language: str | None = None,
    locales_dir: Path = LOCALES_DIR,
    faq_dir: Path | None = None,
    today: date | None = None,
) -> ImportResult:
    """Check every entry of a PO or CSV file; write the language's pack only if all are right.

    Errors are `FILE:LINE: key: reason`. Nothing is written when there is one."""
    day = (today or date.today()).isoformat()
    if path.suffix.lower() == ".csv":
        if not language:
            raise ValueError("a CSV file does not say its language: give --lang")
        rows = _read_csv(path, language, day)
    else:
        po_language, rows = _read_po(path, day)
        language = language or po_language
        if not language:
            raise ValueError(f"{path}: no Language header: give --lang")
    locales = Locales.load(locales_dir)
    pack = _pack(locales, language)
    known = units(locales, faq_dir)
    result = ImportResult(language, pack.path)
    updates: dict[str, Translation] = {}
    for row in rows:
        where = f"{path}:{row.line}: {row.key or '(no key)'}"
        unit = known.get(row.key)
        if unit is None:
            result.errors.append(f"{where}: unknown key (msgctxt)")
            continue
        if row.source.strip() != unit.source.strip():
            result.errors.append(
                f"{where}: the French source changed since this file was exported: "
                "export again and translate the new text"
            )
            continue
        reason = check(unit, row.text)
        if reason:
            result.errors.append(f"{where}: {reason}")
            continue
        existing = _existing(pack, row.key)
        if row.reviewed_by:
            translation = Translation(row.text, "reviewed", row.reviewed_by, row.reviewed_on)
            result.reviewed += 1
        elif existing is not None and existing.text == row.text:
            result.unchanged += 1
            continue  # a translator's file does not demote what a reviewer signed
        else:
            translation = Translation(row.text, "draft")
            result.drafts += 1
        updates[row.key] = translation
    if result.errors:
        return result
    strings = dict(pack.strings)
    content = dict(pack.content)
    for key, translation in updates.items():
        # UI keys are those of the default language's file ("faq.none" is one); the rest are
        # knowledge-base texts ("faq.<id>.answer").
        (strings if key in locales.strings[locales.default] else content)[key] = translation
    assert pack.path is not None
    write_pack(replace(pack, strings=strings, content=content), pack.path)
    return result


def write_pack(pack: Pack, path: Path) -> None:
    data: dict[str, Any] = {
        "meta": pack.meta,
        "keywords": pack.keywords,
        **({"vocabulary": pack.vocabulary} if pack.vocabulary else {}),
        "strings": {key: t.to_yaml() for key, t in pack.strings.items()},
        "content": {key: t.to_yaml() for key, t in sorted(pack.content.items())},
    }
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    header = HEADER_COMMENT.format(
        name=pack.meta.get("name", pack.language), language=pack.language
    )
    path.write_text(header + text, encoding="utf-8")
    load_pack(path)  # what was written reads back


# --- status ---------------------------------------------------------------------------------


def status(locales: Locales, faq_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Per language: strings, FAQ entries and awareness messages total / translated / reviewed."""
    known = units(locales, faq_dir)
    ui = [k for k in known if k in locales.strings[locales.default]]
    faq_ids = {k.split(".")[1] for k in known if k.startswith("faq.") and k not in ui}
    messages = {k.rsplit(".", 1)[0] for k in known if k.startswith("awareness.")}
    report: dict[str, dict[str, Any]] = {}
    for language in locales.strings:
        pack = locales.packs.get(language)
        row: dict[str, Any] = {
            "name": locales.name(language),
            "source": pack is None,
            "fallback": None if language == locales.default else locales.fallback(language),
            "listed": language in locales.wanted,
            "offered": locales.supports(language),
        }
        if pack is None:
            row["strings"] = _counts(len(ui), len(ui), len(ui))
            row["faq"] = _counts(len(faq_ids), len(faq_ids), len(faq_ids))
            row["awareness"] = _counts(len(messages), len(messages), len(messages))
        else:
            strings = [pack.strings[k] for k in ui if k in pack.strings]
            row["strings"] = _counts(len(ui), len(strings), sum(t.is_reviewed for t in strings))
            # An FAQ entry counts once its answer is translated; reviewed once it is reviewed.
            answers = [pack.content.get(f"faq.{i}.answer") for i in faq_ids]
            row["faq"] = _counts(
                len(faq_ids),
                sum(a is not None for a in answers),
                sum(bool(a and a.is_reviewed) for a in answers),
            )
            sms = [pack.content.get(f"{m}.sms") for m in messages]
            row["awareness"] = _counts(
                len(messages),
                sum(s is not None for s in sms),
                sum(bool(s and s.is_reviewed) for s in sms),
            )
            # Per area (the key's first part: menu, registration...), for reviewers to see
            # which parts of the conversation a pack covers.
            areas: dict[str, list[Translation | None]] = {}
            for key in ui:
                areas.setdefault(key.split(".")[0], []).append(pack.strings.get(key))
            row["areas"] = {
                area: _counts(
                    len(found),
                    sum(t is not None for t in found),
                    sum(bool(t and t.is_reviewed) for t in found),
                )
                for area, found in areas.items()
            }
            row["core_missing"] = [
                k for k in CORE_KEYS if not (k in pack.strings and pack.strings[k].is_reviewed)
            ]
            row["keywords"] = sum(len(w) for w in pack.keywords.values())
        report[language] = row
    return report


def _counts(total: int, translated: int, reviewed: int) -> dict[str, int]:
    return {"total": total, "translated": translated, "reviewed": reviewed}
