"""What the sources cannot answer gets an honest pointer; someone in danger reaches staff first.

Near-domain questions (a passport, a visa, bringing one's wife to France, an embassy's phone, an
election date, one company's fees) once got an unrelated entry (the women's forum, the privacy
answer, the number of Malians in Europe). Now they get a short pointer to the body the sources
name, the offer of a counsellor, and no number of any kind: no phone, no address, no fee.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.conversation import Conversation
from storage.models import OutboxItem, Ticket
from tests.chat import Chat, FakeClock
from tests.staff.conftest import AGENT, STAFF_GROUP, sms_chat
from tests.staff.conftest import telegram_chat as tg

EMBASSY_FR = "ambassade ou au consulat du Mali"
EMBASSY_EN = "Mali's embassy or consulate"
NEAR_DOMAIN = [
    ("Comment faire venir ma femme en France ?", "regroupement familial"),
    ("Mon mari peut-il me rejoindre en Belgique ? Quelles démarches ?", "regroupement familial"),
    ("Quel est le numéro de téléphone de l'ambassade du Mali à Paris ?", "ni numéro de téléphone"),
    ("Combien coûte un visa pour la France ?", "ni le coût"),
    ("comment renouveler mon passeport malien", "documents consulaires"),
    ("Où faire faire une carte consulaire à Abidjan ?", "documents consulaires"),
    ("Quand auront lieu les prochaines élections au Mali ?", "ni les dates des élections"),
    ("Combien Western Union prend pour envoyer 100 euros à Kayes ?", "Je ne cite ni ne compare"),
    ("How can I bring my wife to France?", "family reunification"),
    (
        "What is the phone number of the Malian embassy in Washington?",
        "I do not give an embassy's",
    ),
    ("how much does a schengen visa cost", "cost or delays"),
    ("How do I renew my Malian passport in London?", "Consular documents"),
    ("when is the next election in mali", "neither election dates"),
]
UNRELATED = ("forum des femmes", "women's forum", "Maliens en Europe", "Malians live in Europe")


def _no_figure(text: str) -> bool:
    # The person's own words are not echoed; any digit would be a phone, a fee or a date.
    return not re.search(r"\d", text)


@pytest.mark.parametrize(("question", "pointer"), NEAR_DOMAIN)
async def test_a_near_domain_question_gets_a_pointer_and_a_counsellor(
    chat: Chat, question: str, pointer: str
) -> None:
    reply = await chat.say(question)
    assert pointer in reply
    assert "CONSEILLER" in chat.options
    assert not [u for u in UNRELATED if u in reply]
    assert _no_figure(reply), reply


async def test_the_pointer_names_the_consulate_in_both_languages(chat: Chat) -> None:
    assert EMBASSY_FR in await chat.say("Comment faire venir ma femme en France ?")
    assert EMBASSY_EN in await chat.say("How can I bring my wife to France?")


async def test_on_sms_the_pointer_is_short_and_offers_a_counsellor(
    conversation: Conversation,
) -> None:
    person = sms_chat(conversation, "+15555550100")  # 555-01xx: reserved for fiction
    reply = await person.say("Comment faire venir ma femme en France ?")
    assert "consulat du Mali" in reply and "CONSEILLER" in reply
    assert _no_figure(reply.split("\n")[0])


async def test_choosing_the_counsellor_after_a_pointer_hands_over_the_question(
    conversation: Conversation, db
) -> None:
    person = tg(conversation, "555")
    await person.say("Comment faire venir ma femme en France ?")
    assert "conseiller" in await person.say("CONSEILLER")
    async with db.transaction() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket.question == "Comment faire venir ma femme en France ?"
    assert not ticket.urgent


async def _notices(db) -> list[OutboxItem]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(OutboxItem)
            .where(OutboxItem.address == f"telegram:{STAFF_GROUP}")
            .order_by(OutboxItem.id)
        )
        return list(found)


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("mon fils est bloqué en Libye", "transmis en urgent"),
        ("my brother is stuck in the desert", "marked urgent"),
    ],
)
async def test_someone_in_danger_on_the_route_opens_an_urgent_request(
    conversation: Conversation, db, message: str, said: str
) -> None:
    person = tg(conversation, "556", "fr" if "fils" in message else "en")
    reply = await person.say(message)
    assert said in reply
    assert "OIM" in reply or "IOM" in reply
    assert _no_figure(reply.replace("n° 1", "").replace("no. 1", ""))
    async with db.transaction() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket.urgent and ticket.question == message
    (notice,) = await _notices(db)
    assert notice.text.startswith("URGENT") and message in notice.text
    # What they write next joins the urgent request.
    assert "1" in await person.say("Il est à Sebha depuis deux semaines, sans argent.")
    assert "Sebha" in (await _notices(db))[-1].text


async def test_staff_see_urgent_requests_first(
    conversation: Conversation, db, clock: FakeClock
) -> None:
    earlier = tg(conversation, "557")
    await earlier.say("CONSEILLER")
    await earlier.say("Je voudrais des précisions sur mon projet de ferme à Ségou.")
    clock.advance(hours=2)
    await tg(conversation, "558").say("mon fils est bloqué en Libye")

    listing = await tg(conversation, AGENT).say("/tickets")
    assert listing.index("URGENT") < listing.index("ferme à Ségou")
    assert listing.index("bloqué en Libye") < listing.index("ferme à Ségou")


async def test_on_sms_the_urgent_confirmation_comes_first_and_whole(
    conversation: Conversation, db
) -> None:
    person = sms_chat(conversation, "+15555550103")  # 555-01xx: reserved for fiction
    reply = await person.say("mon fils est bloqué en Libye")
    assert reply.startswith("Message transmis en urgent")
    assert "PLUS" not in reply and "CONSEILLER" not in person.options
    async with db.transaction() as session:
        assert (await session.scalar(select(Ticket))).urgent


async def test_choosing_the_danger_entry_from_did_you_mean_opens_the_urgent_request(
    conversation: Conversation, db
) -> None:
    person = tg(conversation, "559")
    message = "mon fils est parti en Libye, il est détenu et on demande une rançon"
    await person.say(message)
    assert "FAQ pointer_relative_in_danger" in person.options  # "did you mean", not sure
    assert "transmis en urgent" in await person.say("FAQ pointer_relative_in_danger")
    async with db.transaction() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket.urgent and ticket.question == message


async def test_browsing_to_the_danger_entry_opens_no_request(chat: Chat, db) -> None:
    reply = await chat.say("FAQ pointer_relative_in_danger")
    assert "OIM" in reply or "IOM" in reply
    async with db.transaction() as session:
        assert await session.scalar(select(Ticket)) is None


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("mon fils veut traverser la mer", "fr"),
        ("mon frere veut partir en libye par le desert", "fr"),
        ("my son wants to go to Libya", "en"),
    ],
)
async def test_a_relative_who_only_plans_to_leave_gets_the_risks_not_an_urgent_request(
    conversation: Conversation, db, message: str, lang: str
) -> None:
    person = tg(conversation, "559", lang)
    reply = await person.say(message)
    # The risks of irregular migration, what a family needs before the departure: no request
    # "in danger on the route" for staff, and no "where is your relative now?".
    assert "FAQ migration_risks" not in person.options  # it is the answer, not a button
    assert "urgent" not in reply and "en danger" not in reply and "in danger" not in reply
    async with db.transaction() as session:
        assert await session.scalar(select(Ticket)) is None


async def test_a_plan_with_danger_in_it_still_opens_an_urgent_request(
    conversation: Conversation, db
) -> None:
    person = tg(conversation, "560", "fr")
    reply = await person.say("mon fils voulait partir en Europe, il est bloqué en Libye")
    assert "transmis en urgent" in reply
    async with db.transaction() as session:
        assert (await session.scalar(select(Ticket))).urgent
