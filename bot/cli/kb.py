"""`diaspora-bot kb check`: validate every knowledge file; exit 1 if anything is wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

from handlers.languages import keyword_problems
from handlers.routes import command_keywords
from knowledge.check import KNOWLEDGE_DIR, check_knowledge
from knowledge.locales import LOCALES_DIR, Locales


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("kb", help="the knowledge base (FAQ, UI strings, forums, awareness)")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate every knowledge file")
    check.add_argument("--dir", type=Path, default=KNOWLEDGE_DIR, help="a knowledge folder")
    check.set_defaults(run=_check)


async def _check(args: argparse.Namespace) -> int:
    problems = check_knowledge(args.dir)
    # Keywords per language against every command of the bot, in any language (handlers/).
    try:
        locales = Locales.load(args.dir / LOCALES_DIR.name)
    except (ValueError, OSError):
        locales = None  # check_knowledge has said why
    if locales is not None:
        problems += keyword_problems(command_keywords(), locales)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "knowledge: no problems")
    return 1 if problems else 0
