"""Helpers for registration tests: forums changed for a test, a registration typed in full."""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy import select

from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import OutboxItem, Registration
from tests.chat import Chat

CODE = re.compile(r"\b(?:FID|FEM|IST)-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}\b")
# Answers to FIDIMA's questions: name, country, city, contact, sector, organisation.
FIDIMA = ["Awa Traoré", "France", "Paris", "06 12 34 56 78", "2", "PASSER"]
# The women's forum: name, country, city, contact, organisation, gender.
WOMEN = ["Aïssata Coulibaly", "Côte d'Ivoire", "Abidjan", "aissata@example.org", "PASSER", "1"]


def with_forum(knowledge: Knowledge, forum_id: str, **changes: object) -> Knowledge:
    """The shipped knowledge with one forum changed (capacity, dates, ...)."""
    forums = knowledge.forums
    assert forums is not None
    forum = dataclasses.replace(forums.forums[forum_id], **changes)
    return dataclasses.replace(knowledge, forums=forums.replace_forum(forum))


async def register(chat: Chat, forum: str = "fidima", answers: list[str] = FIDIMA) -> str:
    """Register through the whole conversation; returns the last reply (the confirmation)."""
    await chat.say(f"INSCRIPTION {forum}")
    for answer in answers:
        await chat.say(answer)
    return await chat.say("OUI")


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, f"no registration code in {text!r}"
    return match.group()


async def rows(db: Database) -> list[Registration]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Registration).order_by(Registration.id)))


async def outbox_rows(db: Database) -> list[OutboxItem]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
