"""A registration belongs to one edition of a forum (issue 12): registering for a past edition
does not block the next one; codes, MES INSCRIPTIONS, cancelling, reminders and the staff's
export each read the edition."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.conversation import Conversation
from handlers.forum_reminders import queue_due_reminders
from knowledge.bundle import Knowledge
from storage import forum_editions, registrations
from storage.models import OutboxItem, Registration
from tests.chat import Chat, FakeClock
from tests.forums.test_editions import open_fidima, people
from tests.handlers.forum_helpers import FIDIMA, code_in

FIRST = {"starts_on": date(2026, 12, 10), "ends_on": date(2026, 12, 11)}
SECOND = {"starts_on": date(2027, 3, 15), "ends_on": date(2027, 3, 16)}


async def register(person: Chat) -> str:
    said = await person.say("INSCRIPTION fidima")
    assert "FID-" not in said and "déjà inscrit" not in said
    for answer in FIDIMA:
        await person.say(answer)
    return await person.say("OUI")


async def close_fidima(db, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        await forum_editions.close_edition(session, "fidima", actor="cli:tester", now=clock.now)


async def statuses(db) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        found = await session.execute(
            select(Registration.code, Registration.edition_id, Registration.status)
        )
    return {code: (edition, status) for code, edition, status in found.all()}


@pytest.mark.parametrize("channel", ["sms", "telegram"])
async def test_the_next_edition_takes_a_new_registration_with_its_own_code(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock, channel: str
) -> None:
    person = people(conversation)[channel]
    await open_fidima(db, knowledge, clock, **FIRST)
    first = code_in(await register(person))

    # Staff close the first edition; after it took place, they open the next one.
    await close_fidima(db, clock)
    assert "ne sont pas ouvertes" in await person.say("INSCRIPTION fidima")
    clock.now = clock.now.replace(month=12, day=20)
    await open_fidima(db, knowledge, clock, **SECOND)
    said = await register(person)
    assert "déjà inscrit" not in said
    second = code_in(said)
    assert second != first
    assert "15 mars 2027" in said

    # Registering again for the open edition finds the registration it has.
    assert f"déjà inscrit(e) au FIDIMA, 15 mars 2027 : code {second}" in await person.say(
        "INSCRIPTION fidima"
    )
    mine = await person.say("MES INSCRIPTIONS")
    assert f"FIDIMA, 10 décembre 2026 : {first}" in mine
    assert f"FIDIMA, 15 mars 2027 : {second}" in mine

    # Cancelling one edition's registration leaves the other one as it was.
    assert "annulée" in await person.say(f"ANNULER {second}")
    editions = await statuses(db)
    assert editions[first][1] == "confirmed" and editions[second][1] == "cancelled"
    assert editions[first][0] != editions[second][0]
    mine = await person.say("MES INSCRIPTIONS")
    assert first in mine and second not in mine
    # ... and the next registration for the open edition works again, with yet another code.
    third = code_in(await register(person))
    assert third not in (first, second)

    # Erasure still removes every edition's registration.
    await person.say("SUPPRIMER")
    await person.say("OUI")
    assert await statuses(db) == {}


async def test_a_full_past_edition_does_not_fill_the_next_one(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock
) -> None:
    awa, binta = Chat(conversation, "console:awa"), Chat(conversation, "console:binta")
    await open_fidima(db, knowledge, clock, capacity=1, **FIRST)
    await register(awa)
    assert "liste d'attente" in await register(binta)
    await close_fidima(db, clock)
    clock.now = clock.now.replace(month=12, day=20)
    async with db.transaction() as session:
        found = await registrations.for_export(session)
    waiting = next(r for r, _ in found if r.status == "waitlisted")
    await open_fidima(db, knowledge, clock, capacity=1, **SECOND)
    seat = await register(binta)  # a seat of her own in the new edition
    assert code_in(seat) and "liste d'attente" not in seat
    assert "liste d'attente" in await register(awa)
    # Cancelling in the finished edition promotes nobody to a forum that took place.
    awa_codes = [r.code for r, _ in await _export(db) if r.contact_id != waiting.contact_id]
    await awa.say(f"ANNULER {awa_codes[0]}")  # the first edition's seat
    assert (await statuses(db))[waiting.code][1] == "waitlisted"

    # The export says which edition each row is of, with waitlist places counted per edition.
    rows = await _export(db)
    assert [(r.edition_id, r.status, place) for r, place in rows] == [
        (1, "cancelled", None),
        (1, "waitlisted", 1),
        (2, "confirmed", None),
        (2, "waitlisted", 1),
    ]


async def _export(db) -> list:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await registrations.for_export(session, "fidima")


async def test_reminders_go_to_the_edition_whose_dates_they_give(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock
) -> None:
    before, after = Chat(conversation, "console:awa"), Chat(conversation, "console:binta")
    await open_fidima(db, knowledge, clock, **FIRST)
    await register(before)
    await close_fidima(db, clock)
    clock.now = clock.now.replace(month=12, day=20)
    await open_fidima(db, knowledge, clock, **SECOND)
    await register(after)
    clock.now = clock.now.replace(year=2027, month=3, day=8, hour=9)  # 7 days before
    async with db.transaction() as session:
        assert await queue_due_reminders(session, knowledge, clock.now) == 1
        reminder = await session.scalar(select(OutboxItem).where(OutboxItem.kind == "reminder"))
    assert reminder.address == "console:binta" and "15 mars 2027" in reminder.text


async def test_an_edition_changed_while_answering_starts_again_with_the_new_dates(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock
) -> None:
    person = Chat(conversation, "console:awa")
    await open_fidima(db, knowledge, clock, **FIRST)
    await person.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await person.say(answer)
    await close_fidima(db, clock)  # staff close it and open another before she confirms
    await open_fidima(db, knowledge, clock, **SECOND)
    said = await person.say("OUI")
    assert "du 15 mars 2027 au 16 mars 2027" in said and "FID-" not in said
    assert await statuses(db) == {}
    for answer in FIDIMA:
        await person.say(answer)
    assert "15 mars 2027" in await person.say("OUI")
    assert [edition for edition, _ in (await statuses(db)).values()] == [2]
