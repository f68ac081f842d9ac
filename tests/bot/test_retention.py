"""Retention: the daily job removes message texts older than MESSAGE_RETENTION_DAYS; the rows,
and so every count staff see, stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import jobs
from bot.background import scheduler
from bot.conversation import Conversation
from bot.services import Services
from bot.settings import Settings
from knowledge.bundle import Knowledge
from storage import stats
from storage.db import Database
from storage.models import Message, OutboxItem
from tests.chat import Chat, FakeClock
from tests.outbox_rows import people, queue


async def test_old_texts_go_and_counts_stay(
    conversation: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(conversation, "telegram:601", "telegram")
    await awa.say("Je m'appelle Awa, comment envoyer de l'argent à Kayes ?")
    ids = await people(db, ["telegram:602"])
    await queue(db, ids, "Annonce ancienne", now=clock.now)
    async with db.transaction() as session:
        (await session.scalar(select(OutboxItem))).status = "sent"
        before = await stats.summary(session)
    clock.advance(days=100)
    await awa.say("Et à Sikasso ?")
    removed = await jobs.retention(db, clock.now, days=90)
    assert removed >= 3
    async with db.transaction() as session:
        texts = {m.text for m in await session.scalars(select(Message).order_by(Message.id))}
        after = await stats.summary(session)
        outbox_texts = set(await session.scalars(select(OutboxItem.text)))
    assert "Et à Sikasso ?" in texts  # recent: kept
    assert not any("Awa" in t for t in texts)
    assert outbox_texts == {""}
    assert after["messages_in"] == before["messages_in"] + 1
    assert after["outbox"] == before["outbox"]


async def test_zero_keeps_everything(conversation: Conversation, db: Database) -> None:
    await Chat(conversation, "telegram:603", "telegram").say("bonjour")
    assert await jobs.retention(db, conversation.config.clock() + timedelta(days=999), days=0) == 0


async def test_the_scheduler_runs_it_daily(db: Database, knowledge: Knowledge) -> None:
    settings = Settings(_env_file=None, database_url=db.url)
    services = Services(settings, db, knowledge, None)  # type: ignore[arg-type]
    assert scheduler(services).defaults["retention"] == "30 3 * * *"
