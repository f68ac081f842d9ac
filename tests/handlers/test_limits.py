"""Cost limits per sender: a flood gets one polite notice and then silence until the minute has
passed (everything stored), an auto-responder loop is broken, replies per hour and family
invitations are capped, ticket follow-ups reach staff as one notice per few minutes, and staff
see who hit which limit."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from bot.channels.render import render_for_sms
from bot.conversation import Conversation
from handlers.context import HandlerConfig
from handlers.limits import CostLimits
from knowledge.bundle import Knowledge
from storage import stats
from storage.db import Database
from storage.models import Invitation, Message, OutboxItem
from tests.chat import Chat, FakeClock

STAFF_GROUP = "-100500"
LIMITS = CostLimits(
    inbound_per_minute=10,
    replies_per_hour=60,
    loop_repeats=5,
    loop_fast_replies=6,
    family_invitations_per_day=3,
    family_invitations_per_number=2,
    ticket_notice_minutes=5,
)


@pytest.fixture
def limited(db: Database, knowledge: Knowledge, clock: FakeClock) -> Conversation:
    config = HandlerConfig(clock=clock, limits=LIMITS, staff_chat_id=STAFF_GROUP)
    return Conversation(db, knowledge, config)


def sms(conversation: Conversation, number: str = "+22376123456") -> Chat:
    return Chat(
        conversation, f"tel:{number}", "sms", render=partial(render_for_sms, max_segments=2)
    )


async def inbound(db: Database) -> list[Message]:
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(Message).where(Message.direction == "in").order_by(Message.id)
            )
        )


async def test_a_flood_gets_one_notice_then_silence_until_the_minute_passes(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(limited, "telegram:501", "telegram")
    for n in range(10):
        assert await awa.say(f"question {n} sur la double nationalité") != ""
        clock.advance(seconds=1)
    notice = await awa.say("encore une")
    assert "Vos messages sont bien reçus" in notice
    assert "une minute" in notice
    clock.advance(seconds=1)
    assert await awa.say("et encore") == ""
    assert await awa.say("et encore une") == ""
    stored = await inbound(db)
    assert len(stored) == 13  # nothing lost
    assert [m.status for m in stored[-2:]] == ["limited", "limited"]
    clock.advance(seconds=60)
    assert "Bienvenue" in await awa.say("menu") or "Menu" in await awa.say("menu")


async def test_the_same_text_again_and_again_is_stored_unanswered(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    bot = sms(limited, "+22376000502")
    for _ in range(4):
        assert await bot.say("Je suis absent, je vous répondrai plus tard.") != ""
        clock.advance(minutes=1)
    assert await bot.say("Je suis absent, je vous répondrai plus tard.") == ""
    assert await bot.say("menu") != ""  # a different message is a person again
    stored = await inbound(db)
    assert len(stored) == 6
    assert stored[4].status == "limited" and stored[4].error_code == "limit:loop_repeat"


async def test_an_sms_auto_responder_answering_faster_than_anyone_types_is_cut_off(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    robot = sms(limited)
    answered = 0
    for n in range(10):
        if await robot.say(f"Message automatique numéro {n} : merci de votre message."):
            answered += 1
        clock.advance(seconds=7)  # our reply, then theirs, before anyone could type 50 letters
    assert answered == 6  # the first had no reply of ours before it to be fast after
    stored = await inbound(db)
    assert len(stored) == 10
    assert {m.error_code for m in stored[6:]} == {"limit:loop_fast"}


async def test_a_person_pressing_the_same_button_again_and_again_is_answered(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(limited, "telegram:509", "telegram")
    for _ in range(8):
        assert await awa.say("MENU") != ""
        clock.advance(seconds=8)
    short = sms(limited, "+22376000509")
    for _ in range(6):
        assert await short.say("menu") != ""
        clock.advance(seconds=30)


async def test_a_person_typing_at_a_human_pace_is_always_answered(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = sms(limited)
    for n in range(12):
        assert await awa.say(f"question {n} : comment envoyer de l'argent ?") != ""
        clock.advance(seconds=20)
    assert all(m.status == "received" for m in await inbound(db))


async def test_replies_per_hour_are_capped(
    db: Database, knowledge: Knowledge, clock: FakeClock
) -> None:
    config = HandlerConfig(clock=clock, limits=CostLimits(replies_per_hour=5, loop_repeats=0))
    awa = Chat(Conversation(db, knowledge, config), "telegram:503", "telegram")
    replies = 0
    for n in range(8):
        turn = await awa.send(f"question {n}")
        replies += len(turn.outgoing)
        clock.advance(minutes=2)
    assert 5 <= replies < 8  # a turn may carry two replies; none after the fifth
    assert turn.outgoing == []
    clock.advance(hours=1)
    assert await awa.say("menu") != ""


async def enrol(chat: Chat, number: str) -> str:
    await chat.say("FAMILLE")
    await chat.say(number)
    return await chat.say("oui")


async def test_family_invitations_are_capped_per_person_per_day_and_per_number(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(limited, "telegram:504", "telegram")
    await awa.say("bonjour")
    numbers = ["+22376000001", "+22376000002", "+22376000003", "+22376000004"]
    for number in numbers[:3]:
        assert "Invitation envoyée" in await enrol(awa, number)
        clock.advance(minutes=2)
    refused = await enrol(awa, numbers[3])
    assert "Vous pourrez en inviter d'autres demain" in refused
    # The same number, invited again by others (at most once in 30 days): twice ever, no more.
    clock.advance(days=31)
    other = Chat(limited, "telegram:5050", "telegram")
    await other.say("bonjour")
    assert "Invitation envoyée" in await enrol(other, numbers[0])
    clock.advance(days=31)
    third = Chat(limited, "telegram:5060", "telegram")
    await third.say("bonjour")
    assert "Ce numéro a déjà reçu des invitations" in await enrol(third, numbers[0])
    async with db.transaction() as session:
        to_first = await session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.address == f"tel:{numbers[0]}")
        )
    assert to_first == 2
    async with db.transaction() as session:
        figures = await stats.summary(session)
    assert "family_day" in figures["limits"]
    assert "family_number" in figures["limits"]


async def test_ticket_follow_ups_reach_staff_as_one_notice_per_few_minutes(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(limited, "telegram:507", "telegram")
    await awa.say("bonjour")
    await awa.say("CONSEILLER")
    await awa.say("Comment faire légaliser un acte de naissance à Pékin ?")
    for n in range(6):
        clock.advance(seconds=30)
        assert "n° 1" in await awa.say(f"précision {n}")

    async def to_staff() -> list[OutboxItem]:
        async with db.transaction() as session:
            return list(
                await session.scalars(
                    select(OutboxItem)
                    .where(OutboxItem.address == f"telegram:{STAFF_GROUP}")
                    .order_by(OutboxItem.id)
                )
            )

    rows = await to_staff()
    assert len(rows) == 1  # the new-question notice, still queued, carries every follow-up
    assert all(f"+ précision {n}" in rows[0].text for n in range(6))
    async with db.transaction() as session:
        sent = await session.get(OutboxItem, rows[0].id)
        sent.status = "sent"
    clock.advance(seconds=30)
    await awa.say("encore une précision")
    await awa.say("et une dernière")
    rows = await to_staff()
    assert len(rows) == 2
    assert "encore une précision" in rows[1].text and "+ et une dernière" in rows[1].text
    # Not before five minutes after the first notice.
    assert (rows[1].next_attempt_at - rows[0].created_at).total_seconds() >= 5 * 60


async def test_staff_see_who_hit_a_limit(
    limited: Conversation, db: Database, clock: FakeClock
) -> None:
    bot = sms(limited, "+22376005080")
    for _ in range(6):
        await bot.say("Je suis absent")
        clock.advance(minutes=1)
    async with db.transaction() as session:
        figures = await stats.summary(session)
    assert figures["limits"]["loop_repeat"] == "2 messages: tel:…080 (2)"
