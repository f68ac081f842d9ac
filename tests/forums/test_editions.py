"""Forums are opened by staff, edition by edition (issue 12).

No source announces a coming edition, so the shipped forums take no registration: INSCRIPTION,
deep links and FAQ answers offer "tell me when registration opens" instead. Staff open an edition
with its dates, place and capacity (`diaspora-bot forum open`); the people who asked are told once.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from sqlalchemy import func, select

from bot.channels.render import render_for_sms
from bot.conversation import Conversation
from handlers.forum_editions import open_and_notify
from handlers.forum_reminders import queue_due_reminders
from knowledge.bundle import Knowledge
from storage import forum_editions
from storage.models import AuditEntry, FlowState, ForumInterest, OutboxItem, Registration
from tests.chat import Chat, FakeClock
from tests.handlers.forum_helpers import FIDIMA, code_in


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return Knowledge.load()  # as shipped: no edition open


def people(conversation: Conversation) -> dict[str, Chat]:
    return {
        "sms": Chat(
            conversation,
            "tel:+15555550101",  # 555-01xx: reserved for fiction
            "sms",
            render=partial(render_for_sms, max_segments=2),
        ),
        "telegram": Chat(conversation, "telegram:9101", "telegram", user_id="9101"),
        "console": Chat(conversation, "console:awa"),
    }


async def count(db, model) -> int:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def open_fidima(db, knowledge: Knowledge, clock: FakeClock, **changes) -> int:  # type: ignore[no-untyped-def]
    details = {
        "starts_on": date(2027, 3, 15),
        "ends_on": date(2027, 3, 16),
        "place": "Bamako, Centre international de conférences",
        "capacity": 2,
    } | changes
    async with db.transaction() as session:
        _, told = await open_and_notify(
            session, knowledge, "fidima", actor="cli:tester", now=clock.now, **details
        )
    return told


@pytest.mark.parametrize("channel", ["sms", "telegram", "console"])
async def test_a_closed_forum_takes_no_registration(
    conversation: Conversation, db, channel: str
) -> None:
    person = people(conversation)[channel]
    said = await person.say("INSCRIPTION fidima")
    assert "ne sont pas ouvertes" in said and "PREVENIR fidima" in said
    for answer in FIDIMA:  # typing the answers anyway registers nothing
        said += await person.say(answer)
    said += await person.say("OUI")
    assert "Votre code" not in said and "2027" not in said
    assert await count(db, Registration) == 0
    async with db.transaction() as session:
        flows = list(await session.scalars(select(FlowState.flow)))
    assert "registration" not in flows


async def test_a_deep_link_to_a_closed_forum_offers_to_tell_when_it_opens(
    conversation: Conversation,
) -> None:
    person = people(conversation)["telegram"]
    said = await person.say("/start fidima")
    assert "ne sont pas ouvertes" in said
    assert person.options == ["PREVENIR fidima"]


async def test_inscription_alone_lists_the_forums_to_follow(chat: Chat) -> None:
    assert "Aucun forum n'est ouvert" in await chat.say("INSCRIPTION")
    assert chat.options == ["PREVENIR fidima", "PREVENIR women_forum", "PREVENIR diaspo_istm"]


async def test_the_faq_about_a_forum_speaks_of_the_past_and_offers_to_follow(chat: Chat) -> None:
    said = await chat.say("Quand a lieu le prochain forum des femmes de la diaspora ?")
    assert "s'est tenu en juillet 2016" in said
    assert "Pas d'inscriptions ouvertes" in said
    assert chat.options == ["PREVENIR women_forum", "FAQ forum_history", "FAQ nationality_rights"]
    assert "Votre nom" not in await chat.say("PREVENIR FEMMES")


@pytest.mark.parametrize("channel", ["sms", "telegram"])
async def test_once_staff_open_an_edition_the_faq_says_so_and_offers_to_register(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock, channel: str
) -> None:
    """The sources announce no edition; staff opening one makes "no new edition" untrue: the
    forum's answer then gives the edition's dates and place, and registering is one choice."""
    await open_fidima(db, knowledge, clock)
    person = people(conversation)[channel]
    said = await person.say("c'est quoi le FIDIMA ?")
    assert "Inscriptions ouvertes" in said and "15 mars 2027" in said and "Bamako" in said
    assert "aucune nouvelle édition" not in said and "PREVENIR" not in said
    assert person.options[0] == "INSCRIPTION fidima"
    assert "Votre nom" in await person.say("1" if channel == "sms" else "INSCRIPTION fidima")


async def test_the_interest_list_is_consented_shown_and_erased(
    conversation: Conversation, db
) -> None:
    person = people(conversation)["console"]
    assert "un seul message" in await person.say("PREVENIR fidima")
    assert "déjà sur la liste" in await person.say("PREVENIR fidima")
    assert await count(db, ForumInterest) == 1
    assert "FIDIMA" in await person.say("MES DONNEES")
    await person.say("SUPPRIMER")
    await person.say("OUI")
    assert await count(db, ForumInterest) == 0


async def test_opening_tells_each_interested_person_once_then_registration_works(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock
) -> None:
    chats = people(conversation)
    for person in chats.values():
        await person.say("PREVENIR fidima")
    await chats["console"].say("STOP")  # STOP wins over an earlier request
    assert await open_fidima(db, knowledge, clock) == 2
    async with db.transaction() as session:
        notices = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
        notices = [n for n in notices if n.kind == "forum_open"]
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "forum.opened"))
    assert {n.address for n in notices} == {"tel:+15555550101", "telegram:9101"}
    assert all("du 15 mars 2027 au 16 mars 2027" in n.text for n in notices)
    assert all("INSCRIPTION fidima" in n.text for n in notices)
    assert audit.actor == "cli:tester" and audit.details["capacity"] == 2
    assert await count(db, ForumInterest) == 0  # told: the list has served its purpose

    said = await chats["telegram"].say("INSCRIPTION fidima")
    assert "du 15 mars 2027 au 16 mars 2027" in said and "Centre international" in said
    for answer in FIDIMA:
        await chats["telegram"].say(answer)
    assert code_in(await chats["telegram"].say("OUI")).startswith("FID-")

    # Closing stops registration; opening again needs a new edition, and tells nobody twice.
    async with db.transaction() as session:
        await forum_editions.close_edition(session, "fidima", actor="cli:tester", now=clock.now)
    assert "ne sont pas ouvertes" in await chats["sms"].say("INSCRIPTION fidima")
    assert await open_fidima(db, knowledge, clock) == 0


async def test_an_edition_is_opened_once_and_checked(
    db, knowledge: Knowledge, clock: FakeClock
) -> None:
    await open_fidima(db, knowledge, clock)
    with pytest.raises(forum_editions.EditionError, match="already open"):
        await open_fidima(db, knowledge, clock)
    with pytest.raises(forum_editions.EditionError, match="before it starts"):
        async with db.transaction() as session:
            await open_and_notify(
                session,
                knowledge,
                "women_forum",
                starts_on=date(2027, 7, 9),
                ends_on=date(2027, 7, 8),
                place="Bamako",
                capacity=10,
                actor="cli:tester",
                now=clock.now,
            )


async def test_reminders_follow_the_editions_dates(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock
) -> None:
    await open_fidima(
        db, knowledge, clock, starts_on=date(2026, 12, 10), ends_on=date(2026, 12, 11)
    )
    person = people(conversation)["console"]
    await person.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await person.say(answer)
    await person.say("OUI")
    clock.now = clock.now.replace(month=12, day=3, hour=9)  # 7 days before, in Bamako
    async with db.transaction() as session:
        assert await queue_due_reminders(session, knowledge, clock.now) == 1


async def test_a_seat_freed_after_registration_closed_goes_to_the_waitlist(
    conversation: Conversation, db, knowledge: Knowledge, clock: FakeClock
) -> None:
    await open_fidima(db, knowledge, clock, capacity=1)
    first, second = Chat(conversation, "console:awa"), Chat(conversation, "console:binta")
    codes = []
    for person in (first, second):
        await person.say("INSCRIPTION fidima")
        for answer in FIDIMA:
            await person.say(answer)
        codes.append(code_in(await person.say("OUI")))
    async with db.transaction() as session:
        await forum_editions.close_edition(session, "fidima", actor="cli:tester", now=clock.now)
    await first.say(f"ANNULER {codes[0]}")
    async with db.transaction() as session:
        statuses = dict(
            (await session.execute(select(Registration.code, Registration.status))).all()
        )
    assert statuses == {codes[0]: "cancelled", codes[1]: "confirmed"}


async def test_prevenir_about_something_else_is_a_question_not_a_forum(chat: Chat) -> None:
    said = await chat.say("prévenir ma famille que je suis bien arrivé")
    assert "Aucun forum n'est ouvert" not in said
    assert "PREVENIR fidima" not in chat.options
