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
from handlers.languages import answer_language
from knowledge.bundle import Knowledge
from knowledge.faq import Match
from knowledge.gsm7 import transliterate
from knowledge.locales import Locales

# Seconds `ask` waits for the sentence embeddings before answering on words alone.
READY_TIMEOUT = 60.0


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ask", help="ask the FAQ engine (no conversation, no database)")
    parser.add_argument("question", nargs="?", help="a question; none: one per line on stdin")
    parser.add_argument("--json", action="store_true", help="one JSON object per question")
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="the asker's usual language: one of the LANGUAGES setting (fr, en, bm...)",
    )
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
    # As the conversation chooses (handlers/languages.py): a Bambara speaker's French question
    # is answered in French, their Bambara one in Bambara where it is translated.
    reply = answer_language(knowledge, question, lang or match.lang, match.lang)
    if match.outcome == "answer" and match.entry is not None:
        entry = match.entry
        field, sources = ("sms", entry.sms) if channel == "sms" else ("answer", entry.answer)
        text, used = locales.content(reply, f"faq.{entry.id}.{field}", sources)
        text = transliterate(text or "") if channel == "sms" else text or ""
        answer, entry_id = text.strip(), entry.id
    else:
        key = "faq.unsure" if match.outcome == "unsure" else "faq.none"
        text, used = locales.resolve(reply, key)
        answer = str(text).strip()
        entry_id = match.suggestions[0][0].id if match.suggestions else None
    return {
        "question": question,
        "matched": match.outcome == "answer",
        "outcome": match.outcome,
        "id": entry_id,
        "score": round(match.score, 1),
        "lang": used,  # the language the answer is in: a translation's fallback shows here
        "answer": answer,
        "suggestions": [
            {
                "id": entry.id,
                "question": locales.content(reply, f"faq.{entry.id}.title", entry.title)[0],
            }
            for entry, _ in match.suggestions
        ],
    }


def asker_language(locales: Locales, lang: str) -> tuple[str | None, str]:
    """The language to ask in for `--lang`, and what to tell staff about it (or None and why
    not). A language listed but not offered yet is answered as people get it: its fallback."""
    if lang not in locales.wanted or lang not in locales.strings:
        return None, (
            f"--lang {lang}: not a language of the service (LANGUAGES: "
            f"{', '.join(locales.wanted)})"
        )
    name = locales.name(lang)
    if not locales.supports(lang):
        fallback = locales.fallback(lang)
        return fallback, (
            f"{name} ({lang}) is not offered yet: the strings of a first conversation are not "
            f"all reviewed (LANGUAGE_DRAFTS=true shows its drafts). Answers come in "
            f"{locales.name(fallback)} ({fallback}), as people would get them."
        )
    if lang in locales.packs:
        drafts = " (drafts included: LANGUAGE_DRAFTS=true)" if locales.drafts else ""
        return lang, (
            f"{name} ({lang}){drafts}: what is not translated yet comes in "
            f'{locales.name(locales.fallback(lang))}; "lang" says which.'
        )
    return lang, ""


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
    lang = args.lang
    if lang is not None:
        lang, note = asker_language(knowledge.locales, lang)
        if note:
            print(note, file=sys.stderr)
        if lang is None:
            return 2
    questions = (
        [args.question]
        if args.question is not None
        else (line.rstrip("\r\n") for line in sys.stdin)
    )
    for question in questions:
        record = result(knowledge, question, lang, args.channel)
        if args.json:
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        print(f"? {question}")
        print(f"  [{record['outcome']} {record['id'] or '-'} {record['score']} {record['lang']}]")
        print("  " + record["answer"].replace("\n", "\n  "))
        for suggestion in record["suggestions"]:
            print(f"  - {suggestion['question']} ({suggestion['id']})")
    return 0
