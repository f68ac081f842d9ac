"""`diaspora-bot kb check`: validate every knowledge file; exit 1 if anything is wrong.

`kb check --guidance` lists the sentences marked as guidance (advice, not facts from a source)
for the ministry's reviewer; `kb check --stale DAYS` lists entries not reviewed for that long;
`kb review --format csv|md --output FILE` writes every entry for a reviewer to read and sign.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from handlers.languages import keyword_problems
from handlers.routes import command_keywords
from knowledge import review
from knowledge.check import KNOWLEDGE_DIR, check_knowledge
from knowledge.faq_check import guidance_sentences
from knowledge.locales import LOCALES_DIR, Locales


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("kb", help="the knowledge base (FAQ, UI strings, forums, awareness)")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate every knowledge file")
    check.add_argument("--dir", type=Path, default=KNOWLEDGE_DIR, help="a knowledge folder")
    check.add_argument(
        "--guidance",
        action="store_true",
        help="also list the sentences marked as guidance, for the ministry's reviewer",
    )
    check.add_argument(
        "--stale",
        type=int,
        metavar="DAYS",
        help="also fail on entries whose `reviewed` date is older than DAYS days",
    )
    check.set_defaults(run=_check)
    export = actions.add_parser("review", help="every FAQ entry, for a reviewer to read and sign")
    export.add_argument("--format", choices=review.FORMATS, default="md")
    export.add_argument("--output", type=Path, required=True, help="the file to write")
    export.add_argument("--dir", type=Path, default=KNOWLEDGE_DIR, help="a knowledge folder")
    export.set_defaults(run=_review)


async def _check(args: argparse.Namespace) -> int:
    problems = check_knowledge(args.dir)
    # Keywords per language against every command of the bot, in any language (handlers/).
    try:
        locales = Locales.load(args.dir / LOCALES_DIR.name)
    except (ValueError, OSError):
        locales = None  # check_knowledge has said why
    if locales is not None:
        problems += keyword_problems(command_keywords(), locales)
    if args.guidance:
        found = guidance_sentences(args.dir / "faq")
        print(f"guidance: {len(found)} sentence(s), advice rather than facts from a source")
        for name, entry, lang, sentence in found:
            print(f"{name}: {entry}: {lang}: {sentence}")
    if args.stale is not None:
        problems += review.stale_entries(args.dir / "faq", args.stale, dt.date.today())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "knowledge: no problems")
    return 1 if problems else 0


async def _review(args: argparse.Namespace) -> int:
    text = review.render(args.dir / "faq", args.format)
    args.output.write_text(text, encoding="utf-8")
    count = len(review.entries(args.dir / "faq"))
    print(f"{count} entries written to {args.output} ({args.format})")
    return 0
