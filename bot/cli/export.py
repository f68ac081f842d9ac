"""`diaspora-bot export registrations`: forum registrations as CSV for staff spreadsheets.

UTF-8 with a byte order mark: without it Excel reads the file as the local code page and
"Aïssata", "Côte d'Ivoire" or "Montréal" come out garbled. One row per registration, cancelled
ones included (the status says so), with the forum edition it belongs to (its id and first day;
empty for registrations made before editions were recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from pathlib import Path

from bot.services import Services
from knowledge.countries import country_name
from knowledge.forums import Forums
from storage import forum_editions, registrations
from storage.models import ForumEdition, Registration

COLUMNS = (
    "code",
    "forum",
    "status",
    "waitlist_position",
    "created_at_utc",
    "name",
    "country",
    "country_code",
    "city",
    "contact",
    "sector",
    "organisation",
    "gender",
    # Last, so spreadsheets built on the earlier columns keep working.
    "edition",
    "edition_starts_on",
)
# The language of the staff's spreadsheet: country names and choice labels.
STAFF_LANGUAGE = "fr"
# A cell starting with one of these is a formula to a spreadsheet: text people typed (a name, a
# city) is written with a leading apostrophe so it stays text (OWASP's CSV injection advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="export data for staff (registrations as CSV)")
    what = parser.add_subparsers(dest="what", required=True)
    regs = what.add_parser(
        "registrations", help="forum registrations, one row each, UTF-8 CSV for spreadsheets"
    )
    regs.add_argument("--forum", metavar="ID", help="only this forum (an id from forums.yaml)")
    regs.add_argument(
        "--edition", type=int, metavar="N", help="only this edition (its number in `forum list`)"
    )
    regs.add_argument("--format", choices=("csv",), default="csv", help="csv (the default)")
    regs.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    regs.set_defaults(run=_registrations)


def _typed(text: str | None) -> str:
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _choice_label(forums: Forums | None, field_id: str, value: str | None) -> str:
    if value is None:
        return ""
    field = forums.fields.get(field_id) if forums else None
    choice = field.choice(value) if field else None
    return choice.label[STAFF_LANGUAGE] if choice else value


def row(
    registration: Registration,
    position: int | None,
    forums: Forums | None,
    editions: dict[int, ForumEdition] | None = None,
) -> list[str]:
    answers = registration.answers or {}
    country = answers.get("country")
    edition = (editions or {}).get(registration.edition_id)
    return [
        registration.code,
        registration.forum_id,
        registration.status,
        str(position) if position is not None else "",
        registration.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        _typed(answers.get("name")),
        country_name(country, STAFF_LANGUAGE) if country else "",
        country or "",
        _typed(answers.get("city")),
        answers.get("contact") or "",  # checked on entry: an E.164 number or an e-mail
        _choice_label(forums, "sector", answers.get("sector")),
        _typed(answers.get("organisation")),
        _choice_label(forums, "gender", answers.get("gender")),
        str(edition.id) if edition else "",
        edition.starts_on.isoformat() if edition else "",
    ]


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


async def _registrations(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        forums = services.knowledge.forums
        async with services.db.transaction() as session:
            found = await registrations.for_export(session, args.forum, args.edition)
            editions = {e.id: e for e in await forum_editions.all_editions(session)}
    finally:
        await services.close()
    if args.forum and not found and (forums is None or forums.get(args.forum) is None):
        known = ", ".join(forums.forums) if forums else ""
        print(f"unknown forum {args.forum!r}; forums: {known}", file=sys.stderr)
        return 2
    data = to_csv([row(r, position, forums, editions) for r, position in found])
    if args.output:
        try:
            await asyncio.to_thread(Path(args.output).write_bytes, data)
        except OSError as error:  # a missing folder, no right to write: one line, no traceback
            print(f"diaspora-bot export: cannot write {args.output}: {error.strerror}",
                  file=sys.stderr)  # fmt: skip
            return 2
        print(f"{len(found)} registrations written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
