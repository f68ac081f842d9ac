"""`diaspora-bot contacts import FILE.csv` and `diaspora-bot contacts export`.

What is read, and how rows are checked: handlers/contact_csv.py (the back office's upload uses
the same).

Consent: imported people are treated as having consented outside the bot (the ministry is
responsible for it, see the README); they are never re-subscribed after a STOP.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from bot.cli.actor import cli_actor
from bot.services import Services
from handlers import contact_csv
from storage import audit
from storage.contact_import import export_rows
from storage.models import utcnow

PROG = "diaspora-bot contacts"


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("contacts", help="import and export contacts (CSV)")
    actions = parser.add_subparsers(dest="action", required=True)
    imports = actions.add_parser("import", help="add or update contacts from a CSV file")
    imports.add_argument("file", type=Path)
    imports.set_defaults(run=_import)
    exports = actions.add_parser("export", help="every contact as CSV (UTF-8 with BOM)")
    exports.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
    exports.set_defaults(run=_export)


async def _import(args: argparse.Namespace) -> int:
    try:
        text = contact_csv.decode(args.file.read_bytes())
    except OSError as error:
        print(f"{PROG} import: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except contact_csv.FileError as error:
        print(f"{PROG} import: {args.file}: {error}", file=sys.stderr)
        return 2
    services = await Services.start(answers=False)
    settings = services.settings
    now = utcnow()
    try:
        async with services.db.transaction() as session:
            actor = await cli_actor(session, admin=True)
            try:
                report = await contact_csv.import_text(
                    session, text, region=settings.default_region,
                    default_language=settings.default_language,
                    locales=services.knowledge.locales, now=now,
                )  # fmt: skip
            except contact_csv.FileError as error:
                print(f"{PROG} import: {args.file}: {error}", file=sys.stderr)
                return 2
            await audit.record(
                session, actor, "contacts.imported", args.file.name[:64], report.counts, at=now
            )
    finally:
        await services.close()
    if report.ignored:
        print(f"ignored columns: {', '.join(report.ignored)}")
    for line in report.lines:
        print(line)
    print(report.summary())
    return 1 if report.counts["rejected"] else 0


async def _export(args: argparse.Namespace) -> int:
    # UTF-8 with a byte-order mark: Excel (the ministry's tool) then reads accents right.
    if args.output:
        try:
            out = args.output.open("w", encoding="utf-8-sig", newline="")
        except OSError as error:  # a missing folder, no right to write: one line, no traceback
            print(f"{PROG} export: cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return 2
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8-sig", newline="")
    services = await Services.start(answers=False)
    written = 0
    try:
        writer = csv.writer(out)
        writer.writerow(contact_csv.EXPORT_COLUMNS)
        async with services.db.transaction() as session:
            async for contact in export_rows(session):
                writer.writerow(list(contact_csv.export_cells(contact)))
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
