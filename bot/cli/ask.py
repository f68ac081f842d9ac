"""`diaspora-bot ask`: the FAQ engine alone, for staff checks and evaluation sets.

With no QUESTION it reads one question per line from stdin. `--json` prints one object per line:
{"question", "matched" (true only for a confident answer), "id", "score", "lang", "answer",
"suggestions": [{"id", "question"}]}. With FAQ_SEMANTIC (the default) it first waits for the
sentence embeddings (FAQ_CACHE_DIR keeps them between runs, as for the bot), so that every
answer is the one the running bot would give.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.settings import Settings
from knowledge.bundle import Knowledge
from knowledge.faq import Match
from knowledge.gsm7 import transliterate

# Seconds `ask` waits for the sentence embeddings before answering on words alone.
READY_TIMEOUT = 60.0


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ask", help="ask the FAQ engine (no conversation, no database)")
    parser.add_argument("question", nargs="?", help="a question; none: one per line on stdin")
    parser.add_argument("--json", action="store_true", help="one JSON object per question")
    parser.add_argument("--lang", choices=("fr", "en"), help="the asker's usual language")
    parser.add_argument(
        "--channel",
        choices=("sms", "telegram"),
        default="telegram",
        help="sms gives the short GSM-7 answer",
    )
    parser.set_defaults(run=_ask)


def result(knowledge: Knowledge, question: str, lang: str | None, channel: str) -> dict:
    match: Match = knowledge.faq.search(question, lang_hint=lang)
    locales = knowledge.locales
    if match.outcome == "answer" and match.entry is not None:
        entry = match.entry
        text = (
            transliterate(entry.sms[match.lang]) if channel == "sms" else entry.answer[match.lang]
        )
        answer, entry_id = text.strip(), entry.id
    else:
        answer = locales.t(match.lang, "faq.unsure" if match.outcome == "unsure" else "faq.none")
        entry_id = match.suggestions[0][0].id if match.suggestions else None
    return {
        "question": question,
        "matched": match.outcome == "answer",
        "outcome": match.outcome,
        "id": entry_id,
        "score": round(match.score, 1),
        "lang": match.lang,
        "answer": answer,
        "suggestions": [
            {"id": entry.id, "question": entry.title[match.lang]} for entry, _ in match.suggestions
        ],
    }


async def _ask(args: argparse.Namespace) -> int:
    settings = Settings()
    knowledge = Knowledge.load(
        semantic=settings.faq_semantic,
        languages=settings.language_list,
        drafts=settings.language_drafts,
        cache_dir=Path(settings.faq_cache_dir) if settings.faq_cache_dir else None,
    )
    if settings.faq_semantic:
        # The bot answers with embeddings once they are built (a few seconds after start);
        # `ask` checks what it says then, so every question gets them, the first one included.
        await asyncio.to_thread(knowledge.faq.wait_until_ready, READY_TIMEOUT)
    questions = (
        [args.question]
        if args.question is not None
        else (line.rstrip("\r\n") for line in sys.stdin)
    )
    for question in questions:
        record = result(knowledge, question, args.lang, args.channel)
        if args.json:
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        print(f"? {question}")
        print(f"  [{record['outcome']} {record['id'] or '-'} {record['score']} {record['lang']}]")
        print("  " + record["answer"].replace("\n", "\n  "))
        for suggestion in record["suggestions"]:
            print(f"  - {suggestion['question']} ({suggestion['id']})")
    return 0
