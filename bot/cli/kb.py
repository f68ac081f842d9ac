"""`diaspora-bot kb check`: validate every knowledge file; exit 1 if anything is wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

from knowledge.check import KNOWLEDGE_DIR, check_knowledge


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("kb", help="the knowledge base (FAQ, UI strings, forums, awareness)")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate every knowledge file")
    check.add_argument("--dir", type=Path, default=KNOWLEDGE_DIR, help="a knowledge folder")
    check.set_defaults(run=_check)


async def _check(args: argparse.Namespace) -> int:
    problems = check_knowledge(args.dir)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "knowledge: no problems")
    return 1 if problems else 0
