"""`diaspora-bot audit`: who did what to whom, newest first."""

from __future__ import annotations

import argparse
import json

from bot.cli.table import table
from bot.services import Services
from storage import audit


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="the audit log: broadcasts, tickets, imports")
    parser.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(run=_audit)


async def _audit(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            entries = await audit.latest(session, args.limit)
    finally:
        await services.close()
    if args.json:
        for entry in entries:
            record = {
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "target": entry.target,
                "details": entry.details,
            }
            print(json.dumps(record, ensure_ascii=False, sort_keys=True))
        return 0
    if not entries:
        print("the audit log is empty")
        return 0
    rows = [
        (
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            entry.target,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
        )
        for entry in entries
    ]
    print(table(("at (GMT)", "actor", "action", "target", "details"), rows))
    return 0
