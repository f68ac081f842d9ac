"""`diaspora-bot db upgrade`: apply the database migrations."""

from __future__ import annotations

import argparse

from bot.settings import Settings
from storage.db import Database


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
    return 0
