"""Ticket notices when no staff group is configured (STAFF_CHAT_ID unset): nothing is queued for
a group that does not exist, so nothing waits in the outbox for ever or is retried in vain;
staff see the questions with /tickets (and `tickets list`, the back office). With a group, the
same day ends with every notice sent. Issue 19: every message reaches a final state."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.conversation import Conversation
from handlers import consultations
from handlers.context import HandlerConfig
from handlers.limits import CostLimits
from knowledge.bundle import Knowledge
from storage import tickets
from storage.db import Database
from storage.models import Contact, OutboxItem
from tests.chat import FakeClock
from tests.polls import Polls, invest
from tests.staff.conftest import ADMIN, STAFF_GROUP, sms_chat, telegram_chat

FINAL = {"sent", "delivered", "failed", "cancelled", "unknown"}


@pytest.mark.parametrize("group", ["", STAFF_GROUP], ids=["no_group", "group"])
async def test_a_day_of_tickets_leaves_nothing_queued_or_sending(
    db: Database, knowledge: Knowledge, clock: FakeClock, group: str
) -> None:
    config = HandlerConfig(
        clock=clock,
        staff_admins=frozenset({ADMIN}),
        staff_chat_id=group,
        limits=CostLimits(ticket_notice_minutes=1),  # the soak's setting
    )
    conversation = Conversation(db, knowledge, config)
    people = [telegram_chat(conversation, str(6000 + n)) for n in range(3)]
    people += [sms_chat(conversation, f"+2237650000{n}") for n in range(2)]
    for n, person in enumerate(people):
        await person.say("CONSEILLER")
        answer = await person.say(f"Question {n} pour un conseiller du ministère")
        assert f" {n + 1} est transmise à un conseiller" in answer  # n° (no on SMS)
    for k in range(12):  # follow-ups every 20 seconds for four minutes, as in the soak
        clock.advance(seconds=20)
        for person in people:
            assert "Ajouté à votre question" in await person.say(f"précision {k}")
    # Answered from Telegram (/reply in private: the group is told) and from the command line.
    admin = telegram_chat(conversation, ADMIN)
    assert "envoyée à la personne" in await admin.say("/reply 1 Voici la réponse.")
    async with db.transaction() as session:
        ticket = await tickets.get(session, 2)
        assert ticket is not None
        locales = knowledge.locales
        assert await consultations.send_answer(
            session, locales, ticket, "Réponse.", "cli:test", clock()
        ) is None  # fmt: skip
        await consultations.post_to_staff(
            session, locales, config, ticket, "admin.group_answered", "answered", clock(),
            by="cli:test",
        )  # fmt: skip

    polls = Polls(db, knowledge, clock, invest())
    for _ in range(3):  # the dispatcher's day: what is due, then batched notices as they fall due
        clock.advance(minutes=2)
        await polls.dispatch()
    async with db.transaction() as session:
        states = dict(
            (
                await session.execute(
                    select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
                )
            ).all()
        )
        to_group = list(
            await session.scalars(select(OutboxItem).where(OutboxItem.address.like("telegram:-%")))
        )
        group_rows = await session.scalar(
            select(func.count()).select_from(Contact).where(Contact.staff_chat.is_(True))
        )
    assert set(states) <= FINAL, states
    assert states.get("sent", 0) >= 2  # the two answers, at least, reached their people
    if not group:
        assert to_group == [] and group_rows == 0  # nothing for a group that does not exist
        waiting = await admin.say("/tickets")
        assert "Questions en attente (3)" in waiting
        assert all(f"n° {n}" in waiting for n in (3, 4, 5))
    else:
        assert to_group and all(row.status == "sent" for row in to_group)
        # One notice per ticket a minute, not one per follow-up (60 of them).
        assert len(to_group) < 40
