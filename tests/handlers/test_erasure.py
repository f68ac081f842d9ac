"""Erasure that erases: marked data written through every feature, SUPPRIMER + OUI, then every
table (Base.metadata: tables added later are covered too) is searched for any trace of it."""

from __future__ import annotations

import re
from functools import partial

import pytest
from sqlalchemy import select

from bot.channels.render import render_for_sms
from bot.conversation import Conversation
from handlers.context import HandlerConfig
from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import Base, KnowledgeGap
from tests.chat import Chat, FakeClock
from tests.handlers.forum_helpers import register

ADMIN = "1001"
STAFF_GROUP = "-100500"
MARKER = "Zorglub"
EMAIL = "zorglub@example.org"


@pytest.fixture
def staffed(db: Database, knowledge: Knowledge, clock: FakeClock) -> Conversation:
    config = HandlerConfig(clock=clock, staff_admins=frozenset({ADMIN}), staff_chat_id=STAFF_GROUP)
    return Conversation(db, knowledge, config)


async def everything(db: Database) -> str:
    """Every value of every row of every table, as text, one row a line."""
    lines: list[str] = []
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                lines.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    return "\n".join(lines)


def digits(text: str) -> str:
    return re.sub(r"[\s.-]", "", text)


async def test_a_person_who_used_every_feature_leaves_no_trace(
    staffed: Conversation, db: Database, clock: FakeClock
) -> None:
    person = Chat(staffed, "telegram:770011", "telegram", user_id="770011", language_hint="fr")
    admin = Chat(staffed, f"telegram:{ADMIN}", "telegram", user_id=ADMIN)
    await person.say("bonjour")
    # A question the bot cannot answer: it goes to the staff's list of gaps, masked.
    await person.say(f"{MARKER} demande : rappelez-moi au +33 6 12 34 56 78 ou {EMAIL}, le mil ?")
    async with db.transaction() as session:
        examples = list(await session.scalars(select(KnowledgeGap.example)))
    assert any(MARKER in e and "[tel]" in e and "[e-mail]" in e for e in examples)
    assert not any("12 34 56 78" in e or EMAIL in e for e in examples)
    # A registration with their name and e-mail.
    answers = [f"{MARKER} Traoré", "France", "Paris", EMAIL, "2", "PASSER"]
    assert "FID-" in await register(person, "fidima", answers)
    # A relative invited (the relative stays: they are someone else).
    await person.say("FAMILLE")
    await person.say("+223 76 12 34 56")
    assert "Invitation envoyée" in await person.say("oui")
    # A question for a person, a follow-up, and the staff's answer.
    await person.say("CONSEILLER")
    await person.say(f"{MARKER} voudrait savoir comment légaliser un acte à Pékin.")
    clock.advance(minutes=1)
    await person.say(f"{MARKER} précise : né en 1990.")
    assert "envoyée" in await admin.say(f"/reply 1 Bonjour {MARKER}, au consulat.")
    await person.say("ABONNER")
    before = await everything(db)
    assert MARKER in before and EMAIL in before

    assert "OUI" in await person.say("SUPPRIMER")
    assert "effacées" in await person.say("OUI")

    after = await everything(db)
    assert MARKER not in after, [line for line in after.splitlines() if MARKER in line]
    assert EMAIL not in after
    assert "612345678" not in digits(after)
    assert "telegram:770011" not in after
    assert "invitations:" not in after  # the invitation from them is gone too


async def test_an_invited_relative_who_erases_leaves_no_number_behind(
    staffed: Conversation, db: Database, clock: FakeClock
) -> None:
    inviter = Chat(staffed, "telegram:770022", "telegram", language_hint="fr")
    await inviter.say("bonjour")
    await inviter.say("FAMILLE")
    await inviter.say("76 12 34 57")
    assert "Invitation envoyée au +22376123457" in await inviter.say("oui")
    relative = Chat(
        staffed, "tel:+22376123457", "sms", render=partial(render_for_sms, max_segments=2)
    )
    assert "Merci" in await relative.say("OUI")
    assert "76123457" in digits(await everything(db))

    await relative.say("SUPPRIMER")
    await relative.say("OUI")

    after = digits(await everything(db))
    assert "76123457" not in after, [
        line for line in (await everything(db)).splitlines() if "34 57" in line or "3457" in line
    ]
    # The inviter's own data is still theirs: the conversation, with the number masked.
    assert "[tel]" in after
