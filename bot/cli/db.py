"""`diaspora-bot db upgrade`: apply the database migrations, and build the FAQ's embeddings
cache (FAQ_CACHE_DIR) so that the first start after an install or an FAQ change does not."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.settings import Settings
from storage.db import Database

# Seconds to wait for the FAQ's embeddings (~3-10 s of CPU on an empty cache).
CACHE_TIMEOUT = 300.0


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="apply every migration not yet applied")
    upgrade.set_defaults(run=_upgrade)


async def _upgrade(args: argparse.Namespace) -> int:
    settings = Settings()
    db = Database(settings.database_url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    backend = "PostgreSQL" if db.is_postgres else "SQLite" if db.is_sqlite else "database"
    print(f"{backend} is up to date.")
    if settings.faq_semantic and settings.faq_cache_dir:
        cache = Path(settings.faq_cache_dir)
        if await asyncio.to_thread(_build_faq_cache, cache):
            print(f"FAQ embeddings cached in {cache}.")
        else:
            print("FAQ embeddings could not be built: the FAQ answers on words alone.")
    return 0


def _build_faq_cache(cache: Path) -> bool:
    """What the bot's first answer would otherwise wait for: the FAQ texts' vectors and the
    question encoder's tables, kept in `cache` (read back in a fraction of a second)."""
    from knowledge.faq import FaqIndex  # noqa: PLC0415 - only this command needs it here

    return FaqIndex.load(semantic=True, cache_dir=cache).wait_until_ready(CACHE_TIMEOUT)
