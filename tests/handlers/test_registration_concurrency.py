"""Capacity holds under load: many people confirm at the same moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.conversation import Conversation
from handlers.vocabulary import Inbound
from knowledge.bundle import Knowledge
from storage import contacts, registrations
from storage.db import Database
from tests.handlers.forum_helpers import FIDIMA, rows, with_forum

PEOPLE, CAPACITY = 200, 100


async def _people(db: Database, count: int) -> list[int]:
    async with db.transaction() as session:
        made = [
            (await contacts.get_or_create(session, f"console:p{i}", "console", "fr"))[0]
            for i in range(count)
        ]
        return [contact.id for contact in made]


def _check(found: list, people: int = PEOPLE, capacity: int = CAPACITY) -> None:
    confirmed = [r for r in found if r.status == "confirmed"]
    waiting = sorted((r for r in found if r.status == "waitlisted"), key=lambda r: r.waitlist_seq)
    assert len(confirmed) == capacity
    assert [r.waitlist_seq for r in waiting] == list(range(1, people - capacity + 1))
    assert len({r.contact_id for r in found}) == people  # one registration each
    assert len({r.code for r in found}) == people


async def test_200_at_once_for_100_seats(db: Database) -> None:
    ids = await _people(db, PEOPLE)

    async def one(contact_id: int) -> registrations.Outcome:
        async with db.transaction() as session:
            return await registrations.register(
                session,
                forum_id="fidima",
                code_prefix="FID",
                capacity=CAPACITY,
                contact_id=contact_id,
                answers={},
                now=_now(),
            )

    # Everyone twice: a double tap must not give anyone a second registration.
    outcomes = await asyncio.gather(*(one(i) for i in ids + ids))
    assert sum(o.existing for o in outcomes) == PEOPLE
    found = await rows(db)
    assert len(found) == PEOPLE
    _check(found)
    positions = sorted(o.position for o in outcomes if o.position and not o.existing)
    assert positions == list(range(1, PEOPLE - CAPACITY + 1))


def _now() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_people_confirm_at_once_through_the_conversation(
    db: Database, knowledge: Knowledge, config
) -> None:
    # Fewer people here: each types eight messages first (the storage test above does 200).
    people, capacity = 40, 20
    conversation = Conversation(db, with_forum(knowledge, "fidima", capacity=capacity), config)

    async def say(address: str, text: str) -> str:
        turn = await conversation.handle(Inbound("console", address, text))
        return "\n".join(o.text for o in turn.outgoing)

    async def fill(address: str) -> None:
        for text in ("INSCRIPTION fidima", *FIDIMA):
            await say(address, text)

    addresses = [f"console:person{i}" for i in range(people)]
    await asyncio.gather(*(fill(a) for a in addresses))
    answers = await asyncio.gather(*(say(a, "OUI") for a in addresses))
    assert sum("vous êtes inscrit(e)" in a for a in answers) == capacity
    waiting = [a for a in answers if "liste d'attente, en position" in a]
    assert len(waiting) == people - capacity
    told = sorted(int(a.split("en position ")[1].split(".")[0]) for a in waiting)
    assert told == list(range(1, people - capacity + 1))
    _check(await rows(db), people, capacity)
