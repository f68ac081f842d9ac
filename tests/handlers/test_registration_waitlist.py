"""Capacity, the waitlist, and promotion when someone cancels: told through the outbox."""

from __future__ import annotations

import pytest

from bot.conversation import Conversation
from knowledge.bundle import Knowledge
from tests.chat import Chat
from tests.handlers.forum_helpers import code_in, outbox_rows, register, rows, with_forum


@pytest.fixture
def small(db, config, knowledge: Knowledge) -> Conversation:
    """FIDIMA with a single seat."""
    return Conversation(db, with_forum(knowledge, "fidima", capacity=1), config)


async def test_full_forum_puts_people_on_the_waitlist_in_order(small: Conversation, db) -> None:
    awa, binta, coumba = (Chat(small, f"console:{n}") for n in ("awa", "binta", "coumba"))
    assert "vous êtes inscrit(e)" in await register(awa)
    second = await register(binta)
    assert "complet" in second
    assert "position 1" in second
    assert "position 2" in await register(coumba)
    statuses = [(r.status, r.waitlist_seq) for r in await rows(db)]
    assert statuses == [("confirmed", None), ("waitlisted", 1), ("waitlisted", 2)]
    assert "liste d'attente, position 2" in await coumba.say("MES INSCRIPTIONS")


async def test_cancelling_promotes_the_first_and_tells_them(small: Conversation, db) -> None:
    awa, binta, coumba = (Chat(small, f"console:{n}") for n in ("awa", "binta", "coumba"))
    awa_code = code_in(await register(awa))
    binta_code = code_in(await register(binta))
    await coumba.say("LANGUE en")
    await register(coumba)  # in English: they are told in English too, later

    assert "annulée" in await awa.say(f"ANNULER {awa_code}")

    registrations = {r.code: r for r in await rows(db)}
    assert registrations[awa_code].status == "cancelled"
    assert registrations[binta_code].status == "confirmed"
    [message] = await outbox_rows(db)
    assert message.kind == "registration"
    assert message.source == "registration:fidima"
    assert message.dedupe_key == f"registration:promoted:{registrations[binta_code].id}"
    assert message.address == "console:binta"
    assert "une place s'est libérée" in message.text
    assert binta_code in message.text
    # Coumba moved up the list.
    assert "waiting list, position 1" in await coumba.say("MY REGISTRATIONS")
    assert f"{binta_code}, confirmée" in await binta.say("MES INSCRIPTIONS")


async def test_cancelling_a_waitlisted_place_promotes_nobody(small: Conversation, db) -> None:
    awa, binta, coumba = (Chat(small, f"console:{n}") for n in ("awa", "binta", "coumba"))
    await register(awa)
    binta_code = code_in(await register(binta))
    await register(coumba)
    await binta.say(f"CANCEL {binta_code}")
    assert [r.status for r in await rows(db)] == ["confirmed", "cancelled", "waitlisted"]
    assert await outbox_rows(db) == []
    assert "position 1" in await coumba.say("MES INSCRIPTIONS")


async def test_a_larger_capacity_gives_waiting_people_their_seats(
    small: Conversation, db, config, knowledge: Knowledge
) -> None:
    awa, binta = Chat(small, "console:awa"), Chat(small, "console:binta")
    await register(awa)
    await register(binta)
    # Staff raise the capacity in forums.yaml; the next decision fills the free seat in order.
    bigger = Conversation(db, with_forum(knowledge, "fidima", capacity=3), config)
    coumba = Chat(bigger, "console:coumba")
    assert "vous êtes inscrit(e)" in await register(coumba)
    assert [r.status for r in await rows(db)] == ["confirmed", "confirmed", "confirmed"]
    [message] = await outbox_rows(db)
    assert message.address == "console:binta"


async def test_erased_person_frees_a_seat_for_the_waitlist(small: Conversation, db) -> None:
    awa, binta, coumba = (Chat(small, f"console:{n}") for n in ("awa", "binta", "coumba"))
    await register(awa)
    await register(binta)
    await awa.say("SUPPRIMER")
    await awa.say("OUI")  # erased, with her registration
    # The next decision about the forum gives the free seat to the first waiting.
    assert "position 1" in await register(coumba)
    assert [r.status for r in await rows(db)] == ["confirmed", "waitlisted"]
