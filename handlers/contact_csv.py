"""Contacts from a CSV file, for `diaspora-bot contacts import` and the back office's upload:
one implementation of reading, checking and reporting.

Columns: address (tel:+..., telegram:<chat id>, or a phone number read in DEFAULT_REGION),
language, country (ISO code of residence), name, subscribed (yes/no); French headers are read
too (téléphone, langue, pays, nom, abonné). Comma, semicolon and tab separators; UTF-8 with or
without a byte-order mark, or Windows-1252 (what French Excel saves as "CSV"). Every row is
checked; the report gives imported, updated, unchanged and rejected rows with the line and the
reason. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.addresses import AddressError, channel_of, normalise_address
from knowledge.locales import Locales
from knowledge.text import fold
from storage.contact_import import ImportedRow, upsert
from storage.models import Contact

COLUMNS = ("address", "language", "country", "name", "subscribed")
# Headers as staff write them (folded: lower case, no accents) -> the column they mean.
HEADERS = {
    "address": "address", "adresse": "address", "phone": "address", "telephone": "address",
    "tel": "address", "numero": "address", "mobile": "address", "portable": "address",
    "language": "language", "langue": "language", "lang": "language",
    "country": "country", "pays": "country",
    "name": "name", "nom": "name", "nom complet": "name",
    "subscribed": "subscribed", "abonne": "subscribed", "abonnement": "subscribed",
    "inscrit": "subscribed",
}  # fmt: skip
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
MAX_BYTES = 20_000_000  # a list of a few hundred thousand people; beyond, something is wrong


class RowError(ValueError):
    """Why a row is rejected."""


class FileError(ValueError):
    """Why the whole file cannot be read, in plain words."""


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: French Excel's "CSV" is the latter."""
    if len(raw) > MAX_BYTES:
        raise FileError(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise FileError(
                "the file is not text (UTF-8 or Windows-1252): save it as CSV"
            ) from None
    if "\x00" in text:
        raise FileError("the file is not text (it holds NUL bytes): save it as CSV")
    return text


def validate(
    row: dict[str, str], region: str, locales: Locales, line: int, seen: dict[str, int]
) -> ImportedRow:
    """One CSV row -> an ImportedRow, or RowError with the reason."""
    raw = (row.get("address") or "").strip()
    if not raw:
        raise RowError("address: empty")
    try:
        address = normalise_address(raw, region)
    except AddressError:
        raise RowError(f"address: not a phone number or an address: {raw!r}") from None
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


def reader(text: str) -> tuple[csv.DictReader, list[str]]:
    """A reader whose field names are our columns; and the headers it does not know."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in French writes semicolons
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    names, ignored = [], []
    for header in rows.fieldnames or []:
        column = HEADERS.get(fold(header or ""))
        names.append(column or f"?{header}")
        if column is None and (header or "").strip():
            ignored.append(header.strip())
    rows.fieldnames = names
    return rows, ignored


@dataclass
class Report:
    counts: dict[str, int] = field(
        default_factory=lambda: {"imported": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    )
    lines: list[str] = field(default_factory=list)  # what happened to each row worth a word
    ignored: list[str] = field(default_factory=list)  # columns not read

    def summary(self) -> str:
        return ", ".join(f"{key}: {value}" for key, value in self.counts.items())


async def import_text(
    session: AsyncSession,
    text: str,
    *,
    region: str,
    default_language: str,
    locales: Locales,
    now: datetime,
) -> Report:
    """Check and upsert every row; raises FileError when there is no address column."""
    rows, ignored = reader(text)
    if "address" not in (rows.fieldnames or []):
        found = ", ".join(n.lstrip("?") for n in rows.fieldnames or []) or "nothing"
        raise FileError(f"no address column (téléphone, address...); found: {found}")
    report = Report(ignored=ignored)
    seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        try:
            valid = validate(row, region, locales, line, seen)
        except RowError as error:
            report.counts["rejected"] += 1
            report.lines.append(f"line {line}: rejected: {error}")
            continue
        outcome = await upsert(session, valid, default_language, now)
        if outcome.result == "skipped":
            report.counts["rejected"] += 1
            report.lines.append(f"line {line}: rejected: the staff group is not a contact")
            continue
        report.counts[outcome.result] += 1
        if outcome.note == "opted_out":
            report.lines.append(
                f"line {line}: note: this person opted out (STOP): not subscribed again"
            )
    return report


def export_cells(contact: Contact) -> Iterable[str]:
    """One exported row (EXPORT_COLUMNS), for the CLI's export and the back office's."""

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
