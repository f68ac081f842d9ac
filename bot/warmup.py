"""Warm-up before the service accepts traffic, so that the first request is as fast as the
thousandth (it used to take 2.6-4.6 s: a person's first SMS after a deploy waited for it).

Whatever loads on first use is used once here, with made-up input and no stored data touched:
the language identifier's model (~0.5 s), the FAQ search and its caches, phone-number metadata,
the renderers, the database's first connection and SQLAlchemy's compiled statements, and the
web app's routing (a health check through the app itself). Generic on purpose: it calls the same
public functions a conversation calls, so a part that loads lazily tomorrow is warmed by them too;
a part with its own readiness (the sentence encoder) says so itself.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.channels.render import renderer_for
from bot.settings import Settings
from handlers.vocabulary import Option, Reply
from knowledge.addresses import AddressError, tel_address
from knowledge.bundle import Knowledge
from storage.models import Contact

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from bot.services import Services

logger = logging.getLogger(__name__)

# One sample per language and register, as people write them.
SAMPLES = (
    "bonjour, comment avoir la double nationalité ?",
    "how do I start a company in Mali",
    "slt cmt envoyer de largent o pays",
)
SAMPLE_NUMBERS = ("+22376123456", "76 12 34 56", "+33612345678")
WARMUP_ADDRESS = "console:warm-up"  # never stored: only looked up


async def warm_up(services: Services, app: ASGIApp | None = None) -> float:
    """Exercise every lazily loaded part once; the seconds it took."""
    started = time.perf_counter()
    knowledge, settings = services.knowledge, services.settings
    warm_knowledge(knowledge, settings)
    contact = Contact(
        address=WARMUP_ADDRESS, channel="console", language=settings.default_language
    )
    replies = [Reply(SAMPLES[0], (Option("Menu", "MENU"),), sms_text=SAMPLES[1])]
    for channel in ("sms", "telegram", "console"):
        renderer_for(channel, settings)(replies, contact, knowledge)
    async with services.db.transaction() as session:
        await session.scalar(select(Contact).where(Contact.address == WARMUP_ADDRESS))
    if app is not None:
        import httpx  # noqa: PLC0415 - only `run` has an app, and the console never needs httpx

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://warm-up") as client:
            await client.get("/healthz")
    seconds = time.perf_counter() - started
    logger.info("warmed up in %.2f s", seconds)
    return seconds


def warm_knowledge(knowledge: Knowledge, settings: Settings) -> None:
    """The knowledge's lazily loaded parts (the language identifier's model, the search's
    caches, phone-number metadata), used once. Safe in a thread: Services.start runs it in one
    while the database is checked and the embeddings load, as most of it (LZMA, numpy) runs
    outside the GIL, so the console's first answer does not pay for it (issue 13)."""
    for text in SAMPLES:
        lang = knowledge.detect_language(text, settings.default_language)
        knowledge.faq.search(text, lang_hint=lang)
    for number in SAMPLE_NUMBERS:
        with contextlib.suppress(AddressError):
            tel_address(number, settings.default_region)
