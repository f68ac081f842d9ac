"""The composition root: settings -> database, knowledge, conversation. Everything that runs
(the CLI, the web app, the tests) builds its parts here, in one way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.conversation import Conversation
from bot.settings import Settings
from bot.warmup import warm_knowledge
from knowledge.bundle import Knowledge
from storage.db import Database


class SchemaBehind(RuntimeError):
    """The database needs `diaspora-bot db upgrade` (said in plain words by the CLI)."""


@dataclass
class Services:
    settings: Settings
    db: Database
    knowledge: Knowledge
    conversation: Conversation

    @classmethod
    async def start(
        cls,
        settings: Settings | None = None,
        *,
        knowledge: Knowledge | None = None,
        upgrade: bool = False,
        answers: bool = True,
    ) -> Services:
        """`answers=False` for commands that never answer a question (stats, exports,
        broadcasts, the dispatcher): they skip the sentence-embedding model, ~3 s of CPU and
        160 MB. `upgrade=True` only for `run` (and `db upgrade`): any other command on a
        database whose migrations are behind stops with `SchemaBehind`, rather than changing
        a production schema as a side effect of, say, `stats`."""
        settings = settings or Settings()
        # The knowledge first: its sentence embeddings build in a thread while the database is
        # upgraded. The conversation's first answer waits for them (Conversation.ready), so the
        # first message gets the same engine as the thousandth.
        knowledge = knowledge or Knowledge.load(
            semantic=settings.faq_semantic and answers,
            languages=settings.language_list,
            drafts=settings.language_drafts,
            cache_dir=Path(settings.faq_cache_dir) if settings.faq_cache_dir else None,
        )
        # What loads on first use (the language identifier's model...) loads in a thread too,
        # beside the embeddings and the database check, not in the first person's answer.
        warming = (
            asyncio.create_task(asyncio.to_thread(warm_knowledge, knowledge, settings))
            if answers
            else None
        )
        db = Database(settings.database_url)
        try:
            if upgrade:
                await db.upgrade()
            elif await db.pending_migrations():
                await db.dispose()
                raise SchemaBehind(
                    "the database's schema is behind this version of the bot: "
                    "run `diaspora-bot db upgrade` first"
                )
        finally:
            if warming is not None:
                await warming
        conversation = Conversation(db, knowledge, settings.handler_config())
        return cls(settings, db, knowledge, conversation)

    async def close(self) -> None:
        await self.db.dispose()
