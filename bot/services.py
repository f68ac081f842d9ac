"""The composition root: settings -> database, knowledge, conversation. Everything that runs
(the CLI, the web app, the tests) builds its parts here, in one way."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation import Conversation
from bot.settings import Settings
from knowledge.bundle import Knowledge
from storage.db import Database


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
        upgrade: bool = True,
        answers: bool = True,
    ) -> Services:
        """`answers=False` for commands that never answer a question (stats, exports,
        broadcasts): they skip the sentence-embedding model, ~3 s of CPU and 160 MB."""
        settings = settings or Settings()
        db = Database(settings.database_url)
        if upgrade:
            await db.upgrade()
        knowledge = knowledge or Knowledge.load(
            semantic=settings.faq_semantic and answers,
            languages=settings.language_list,
            drafts=settings.language_drafts,
        )
        conversation = Conversation(db, knowledge, settings.handler_config())
        return cls(settings, db, knowledge, conversation)

    async def close(self) -> None:
        await self.db.dispose()
