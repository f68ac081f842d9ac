"""`diaspora-bot contacts import FILE.csv` and `diaspora-bot contacts export`.

Import columns: address (tel:+..., telegram:<chat id>, or a phone number read in DEFAULT_REGION),
language, country (ISO code of residence), name, subscribed (yes/no). Every row is checked; the
report gives imported, updated, unchanged and rejected rows with the line and the reason.
Importing the same file twice changes nothing. Comma, semicolon and tab separators are read;
UTF-8 with or without a byte-order mark.

Consent: imported people are treated as having consented outside the bot (the ministry is
responsible for it, see the README); they are never re-subscribed after a STOP.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path

import phonenumbers

from bot.cli.actor import cli_actor
from bot.services import Services
from knowledge.addresses import AddressError, channel_of, normalise_address
from knowledge.locales import Locales
from knowledge.text import fold
from storage import audit
from storage.contact_import import ImportedRow, export_rows, upsert
from storage.models import utcnow

PROG = "diaspora-bot contacts"
COLUMNS = ("address", "language", "country", "name", "subscribed")
EXPORT_COLUMNS = (
    *COLUMNS,
    "channel",
    "opted_out",
    "unreachable",
    "created_at",
    "last_seen_at",
)
YES = ("yes", "y", "oui", "o", "true", "vrai", "1")
NO = ("no", "n", "non", "false", "faux", "0")
MAX_NAME = 200


class RowError(ValueError):
    """Why a row is rejected."""


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("contacts", help="import and export contacts (CSV)")
    actions = parser.add_subparsers(dest="action", required=True)
    imports = actions.add_parser("import", help="add or update contacts from a CSV file")
    imports.add_argument("file", type=Path)
    imports.set_defaults(run=_import)
    exports = actions.add_parser("export", help="every contact as CSV (UTF-8 with BOM)")
    exports.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
    exports.set_defaults(run=_export)


def validate(
    row: dict[str, str], region: str, locales: Locales, line: int, seen: dict[str, int]
) -> ImportedRow:
    """One CSV row -> an ImportedRow, or RowError with the reason."""
    raw = (row.get("address") or "").strip()
    if not raw:
        raise RowError("address: empty")
    try:
        address = normalise_address(raw, region)
    except AddressError as error:
        raise RowError(f"address: {error}") from None
    if address in seen:
        raise RowError(f"duplicate of line {seen[address]} ({address.split(':')[0]})")
    language = None
    if value := (row.get("language") or "").strip():
        folded = fold(value)
        language = folded if locales.supports(folded) else locales.language_for_word(folded)
        if language is None:
            raise RowError(f"language: {value!r} is not one of {', '.join(locales.languages)}")
    country = None
    if value := (row.get("country") or "").strip():
        country = value.upper()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise RowError(f"country: {value!r} is not an ISO country code (FR, ML, CI...)")
    name = (row.get("name") or "").strip() or None
    if name and len(name) > MAX_NAME:
        raise RowError(f"name: longer than {MAX_NAME} characters")
    subscribed = None
    if value := fold(row.get("subscribed") or ""):
        if value not in YES + NO:
            raise RowError(f"subscribed: {row['subscribed']!r} is not yes or no")
        subscribed = value in YES
    seen[address] = line
    return ImportedRow(address, channel_of(address), language, country, name, subscribed)


def _reader(text: str) -> csv.DictReader:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in French writes semicolons
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    return reader


async def _import(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{PROG} import: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    reader = _reader(text)
    if "address" not in (reader.fieldnames or []):
        found = ", ".join(reader.fieldnames or []) or "nothing"
        print(f"{PROG} import: no 'address' column (found: {found})", file=sys.stderr)
        return 2
    ignored = [n for n in reader.fieldnames or [] if n and n not in COLUMNS]
    if ignored:
        print(f"ignored columns: {', '.join(ignored)}")
    counts = {"imported": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    services = await Services.start(answers=False)
    settings, locales = services.settings, services.knowledge.locales
    now = utcnow()
    try:
        async with services.db.transaction() as session:
            seen: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                try:
                    valid = validate(row, settings.default_region, locales, line, seen)
                except RowError as error:
                    counts["rejected"] += 1
                    print(f"line {line}: rejected: {error}")
                    continue
                outcome = await upsert(session, valid, settings.default_language, now)
                if outcome.result == "skipped":
                    counts["rejected"] += 1
                    print(f"line {line}: rejected: the staff group is not a contact")
                    continue
                counts[outcome.result] += 1
                if outcome.note == "opted_out":
                    print(f"line {line}: note: this person opted out (STOP): not subscribed again")
            await audit.record(
                session,
                await cli_actor(session, admin=True),
                "contacts.imported",
                args.file.name[:64],
                counts,
                at=now,
            )
    finally:
        await services.close()
    print(", ".join(f"{key}: {value}" for key, value in counts.items()))
    return 1 if counts["rejected"] else 0


def _cells(contact) -> Iterable[str]:  # type: ignore[no-untyped-def]
    def when(value) -> str:  # type: ignore[no-untyped-def]
        return value.isoformat() if value else ""

    yield from (
        contact.address,
        contact.language,
        contact.country or "",
        contact.name or "",
        "yes" if contact.subscribed else "no",
        contact.channel,
        "yes" if contact.opted_out else "no",
        "yes" if contact.unreachable else "no",
        when(contact.created_at),
        when(contact.last_seen_at),
    )


async def _export(args: argparse.Namespace) -> int:
    # UTF-8 with a byte-order mark: Excel (the ministry's tool) then reads accents right.
    if args.output:
        out = args.output.open("w", encoding="utf-8-sig", newline="")
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8-sig", newline="")
    services = await Services.start(answers=False)
    written = 0
    try:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        async with services.db.transaction() as session:
            async for contact in export_rows(session):
                writer.writerow(list(_cells(contact)))
                written += 1
            target = args.output.name[:64] if args.output else "stdout"
            await audit.record(
                session,
                await cli_actor(session, admin=True),
                "contacts.exported",
                target,
                {"contacts": written},
            )
    finally:
        out.flush()
        if args.output:
            out.close()
        else:
            out.detach()
        await services.close()
    if args.output:
        print(f"{written} contacts written to {args.output}")
    return 0
