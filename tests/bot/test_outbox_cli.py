"""The staff's outbox commands and the console's bulk messages, run as a person would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select, update

from storage.db import Database
from storage.models import Contact, OutboxItem
from tests.bot.test_cli import run
from tests.outbox_rows import people, queue


def db_at(tmp_path: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{tmp_path}/cli.db")


async def _setup(tmp_path: Path, addresses: list[str], text: str) -> None:
    db = db_at(tmp_path)
    await db.upgrade()
    ids = await people(db, addresses)
    await queue(db, ids, text)
    await db.dispose()


def test_a_broadcast_arrives_in_the_console_chat(tmp_path: Path) -> None:
    run(["chat", "--address", "console:awa", "--json"], tmp_path, "bonjour\n")
    db = db_at(tmp_path)

    async def queue_for_awa() -> None:
        async with db.transaction() as session:
            awa = await session.scalar(select(Contact.id).where(Contact.address == "console:awa"))
        await queue(db, [awa], "Le forum FIDIMA ouvre ses inscriptions.")
        await db.dispose()

    asyncio.run(queue_for_awa())
    result = run(["dispatch", "--until-idle"], tmp_path, QUIET_HOURS="")
    assert result.returncode == 0, result.stderr
    assert "sent 1" in result.stdout
    chat = run(["chat", "--address", "console:awa", "--json"], tmp_path, "menu\n")
    first = json.loads(chat.stdout.splitlines()[0])
    assert first["arrived"][0]["text"] == "Le forum FIDIMA ouvre ses inscriptions."
    # Shown once: the next session starts with the conversation only.
    again = run(["chat", "--address", "console:awa", "--json"], tmp_path, "menu\n")
    assert "arrived" not in again.stdout


def test_staff_list_unknown_messages_and_resend_them(tmp_path: Path) -> None:
    asyncio.run(_setup(tmp_path, ["console:a", "console:b"], "Annonce"))

    async def crash_leftovers() -> None:
        db = db_at(tmp_path)
        async with db.transaction() as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == 1)
                .values(status="unknown", error="interrupted while sending", attempts=1)
            )
        await db.dispose()

    asyncio.run(crash_leftovers())
    listing = run(["outbox", "list", "--status", "unknown", "--json"], tmp_path)
    assert listing.returncode == 0, listing.stderr
    data = json.loads(listing.stdout)
    assert [i["id"] for i in data["items"]] == [1]
    assert data["counts"] == {"unknown": 1, "queued": 1}
    assert data["items"][0]["to"] == "console:…"  # addresses are masked

    refused = run(["outbox", "resend", "2"], tmp_path)  # queued: nothing to resend
    assert refused.returncode == 1
    assert "only unknown or failed" in refused.stdout
    resent = run(["outbox", "resend", "1"], tmp_path)
    assert resent.returncode == 0, resent.stderr
    assert "1: queued" in resent.stdout
    text = run(["outbox", "list"], tmp_path).stdout
    assert "queued: 2" in text
