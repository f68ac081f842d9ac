"""`diaspora-bot stats`: who uses the bot, on which channel, and what is queued."""

from __future__ import annotations

import argparse
import json

from bot.cli.table import cell
from bot.services import Services
from storage import stats


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("stats", help="counts of contacts, messages, registrations, outbox")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(run=_stats)


async def _stats(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            figures = await stats.summary(session)
    finally:
        await services.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return 0
    for key, value in figures.items():
        if isinstance(value, dict):  # no Python `None` on screen: "-" for "none yet"
            detail = ", ".join(f"{k}: {cell(v)}" for k, v in sorted(value.items())) or "-"
            print(f"{key}: {detail}")
        else:
            print(f"{key}: {cell(value)}")
    return 0
