"""SMS segments per reply over a scripted 60-turn family conversation (issue 13).

    .venv/bin/python -m benchmarks.sms_family            (from the repository root)

A mother in Kayes on a basic phone, French SMS spelling, greetings in Bambara, thanks, "ok",
numbers from lists, PLUS, questions about her son who wants to leave, sending money, STOP and
coming back. Run through the real conversation (SQLite in a temporary directory, the bot's own
engine: words and meaning, SMS rendering at SMS_MAX_SEGMENTS=2). Prints the median, mean and
total segments of the replies to one message, and the turns answered with "no sure answer".
It uses only what the bot had before issue 13, so the same script measures the old code.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bot.channels.render import render_for_sms
from bot.conversation import Conversation
from handlers.context import HandlerConfig
from handlers.vocabulary import Inbound
from knowledge.bundle import Knowledge
from knowledge.gsm7 import segments
from knowledge.text import fold
from storage.db import Database

ADDRESS = "tel:+22376000001"
SCRIPT = [
    "slt",
    "c koi ce numero",
    "i ni ce",
    "mon fils veu partir en libye",
    "koi faire pour le convaincre de pas partir",
    "merci bcp",
    "les passeur dise que cest facile d aller en espagne",
    "PLUS",
    "ok",
    "a ka di",
    "jveu recevoir les messages sur la migration chaque semaine",
    "barika",
    "mon frere en france veu envoyer l argent, comment moins cher",
    "Combien de temps ça prend ?",
    "👍",
    "MENU",
    "42",
    "1",
    "3",
    "AIDE",
    "2",
    "mdr",
    "c koi le cigem",
    "ou se trouve le cigem",
    "ok merci",
    "mon mari est en cote d ivoire il peu garder la nationalite malienne ?",
    "double nationalite ca marche comment",
    "PLUS",
    "i ni sogoma",
    "je veux m'abonner aux messages",
    "MON ABONNEMENT",
    "lol",
    "kelle aide pour les jeunes qui rentrent",
    "il y a du travail au mali pour lui ?",
    "anpe c koi",
    "merci",
    "n be taa bamako sini",
    "pardon je parle francais",
    "le fidima c quand",
    "je veux m inscrire",
    "ANNULER",
    "je veux annuler mon inscription au FIDIMA",
    "ok",
    "MES DONNEES",
    "bjr",
    "comment creer une entreprise au mali",
    "combien ça coûte ?",
    "a ka di",
    "STOP",
    "ok",
    "OUI",
    "i ni baara",
    "c koi la diaspora",
    "combien de maliens a l exterieur",
    "9",
    "0",
    "Je voudrais parler à un conseiller humain",
    "c pour mon fils qui veut partir",
    "MENU",
    "barika, aw ni ce",
]


async def run(semantic: bool) -> list[tuple[str, int, str]]:
    """(message, segments of the replies, first reply) for each turn of SCRIPT."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp)}/family.db")
        await db.upgrade()
        knowledge = Knowledge.load(semantic=semantic)
        if semantic:
            knowledge.faq.wait_until_ready(120)
        start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        clock = iter(start + timedelta(minutes=i) for i in range(10_000))
        config = HandlerConfig(clock=lambda: next(clock))
        conversation = Conversation(db, knowledge, config)
        render = partial(render_for_sms, max_segments=2)
        turns = []
        for text in SCRIPT:
            turn = await conversation.handle(Inbound("sms", ADDRESS, text), render)
            parts = sum(segments(o.text).segments for o in turn.outgoing)
            turns.append((text, parts, "\n".join(o.text for o in turn.outgoing)))
        await db.dispose()
        return turns


def main() -> None:
    semantic = "--words" not in sys.argv
    turns = asyncio.run(run(semantic))
    counts = [n for _, n, _ in turns]
    # SMS transliterates "sûre" to "sure": compare folded texts.
    unsure = sum(1 for _, _, said in turns if "pas de reponse sure" in fold(said))
    guesses = sum(1 for _, _, said in turns if "vouliez vous dire" in fold(said))
    print(f"{len(turns)} turns, engine: {'words + meaning' if semantic else 'words only'}")
    print(
        f"SMS segments per reply: median {statistics.median(counts)}, "
        f"mean {statistics.mean(counts):.2f}, total {sum(counts)}, "
        f"one segment: {sum(1 for n in counts if n == 1)}, over budget: "
        f"{sum(1 for n in counts if n > 2)}"
    )
    print(f"'no sure answer' replies: {unsure}; 'did you mean' replies: {guesses}")
    if "-v" in sys.argv:
        for text, n, first in turns:
            print(f"{n}  {text[:40]:40}  {first[:90]!r}")  # noqa: E501


if __name__ == "__main__":
    main()
