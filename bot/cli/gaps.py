"""`diaspora-bot gaps`: the questions the bot could not answer, most frequent first."""

from __future__ import annotations

import argparse
import json

from bot.cli.table import table
from bot.services import Services
from storage import gaps


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("gaps", help="questions the bot could not answer, most frequent first")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(run=_gaps)


async def _gaps(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            found = await gaps.most_frequent(session, args.limit)
    finally:
        await services.close()
    if args.json:
        for gap in found:
            record = {
                "count": gap.count,
                "language": gap.language,
                "outcome": gap.outcome,
                "example": gap.example,
                "best_entry": gap.best_entry,
                "last_seen": gap.last_seen.isoformat(),
            }
            print(json.dumps(record, ensure_ascii=False))
        return 0
    if not found:
        print("no unanswered question so far")
        return 0
    rows = [(g.count, g.language, g.outcome, g.example[:80], g.best_entry) for g in found]
    print(table(("count", "lang", "outcome", "question", "closest entry"), rows))
    return 0
