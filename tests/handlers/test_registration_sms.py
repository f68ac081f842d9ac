"""Registration over SMS: the same flow step by step, each question in one GSM-7 segment."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import select

from bot.channels.render import render_for_sms
from bot.channels.sms_render import render_sms
from bot.conversation import Conversation
from handlers.context import Context, HandlerConfig
from handlers.registration import ask
from handlers.vocabulary import Inbound
from knowledge.bundle import Knowledge
from knowledge.gsm7 import segments
from storage.models import Contact
from tests.chat import Chat
from tests.handlers.forum_helpers import code_in, rows

SMS_BUDGET = 2  # SMS_MAX_SEGMENTS' default
PHONE = "tel:+22376123456"
# Typical answers already known, shown with "OUI pour garder".
KNOWN = {"name": "Aminata Keïta", "country": "CD", "contact": "+22376123456"}
ANSWERS = {
    "name": "Aminata Keïta",
    "country": "Côte d'Ivoire",
    "city": "Abidjan",
    "contact": "07 07 12 34 56",
    "sector": "3",
    "organisation": "Association des Maliens d'Abidjan",
    "gender": "1",
}


def sms_chat(conversation: Conversation, address: str = PHONE) -> Chat:
    return Chat(conversation, address, "sms", render=partial(render_for_sms, max_segments=2))


def _context(knowledge: Knowledge, lang: str) -> Context:
    contact = Contact(address=PHONE, channel="sms", language=lang)
    return Context(
        session=None,  # type: ignore[arg-type]  # asking a question touches no database
        contact=contact,
        inbound=Inbound("sms", PHONE, ""),
        knowledge=knowledge,
        config=HandlerConfig(),
        menu_items=(),
        now=datetime(2026, 11, 23, tzinfo=UTC),
        text="",
    )


def _every_field(knowledge: Knowledge):  # type: ignore[no-untyped-def]
    assert knowledge.forums is not None
    return [
        pytest.param(field, lang, id=f"{field.id}-{lang}")
        for field in knowledge.forums.fields.values()
        for lang in ("fr", "en")
    ]


@pytest.mark.parametrize(("field", "lang"), _every_field(Knowledge.load()))
@pytest.mark.parametrize("known", [False, True], ids=["new", "known"])
def test_every_question_fits_one_segment(knowledge: Knowledge, field, lang, known) -> None:  # type: ignore[no-untyped-def]
    ctx = _context(knowledge, lang)
    data = {"prefill": {field.id: KNOWN.get(field.id, "other")} if known else {}}
    reply = ask(ctx, field, data)
    rendering = render_sms([reply], max_segments=SMS_BUDGET, more_hint="PLUS")
    assert rendering.rest == ""  # nothing waits behind PLUS
    [message] = rendering.messages
    question = message.split("\n1. ")[0]  # the question, without the numbered choices
    info = segments(question)
    assert info.encoding == "GSM-7", question
    assert info.segments == 1, f"{info.units} units: {question}"
    if not field.choices:
        assert segments(message).segments == 1
    else:  # the numbered choices follow the question, within the SMS budget
        assert segments(message).segments <= SMS_BUDGET


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("forum", ["fidima", "women_forum", "diaspo_istm"])
async def test_every_turn_fits_the_sms_budget(
    conversation: Conversation, db, knowledge: Knowledge, lang: str, forum: str
) -> None:
    chat = sms_chat(conversation)
    if lang == "en":
        await chat.say("LANGUE en")
    turns = [await chat.send(f"INSCRIPTION {forum}")]
    assert knowledge.forums is not None
    for field in knowledge.forums.forums[forum].fields:
        turns.append(await chat.send(ANSWERS[field]))
    turns.append(await chat.send("OUI"))
    for turn in turns:
        assert sum(segments(o.text).segments for o in turn.outgoing) <= SMS_BUDGET, turn
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact))).more_text is None
    code_in(turns[-1].outgoing[-1].text)
    [registration] = await rows(db)
    assert registration.answers["contact"] == "+2250707123456"


async def test_a_newcomer_gets_the_first_question_without_plus(
    conversation: Conversation, db
) -> None:
    chat = sms_chat(conversation)
    answer = await chat.say("INSCRIPTION fidima")
    assert "Bienvenue" in answer
    assert "Votre nom complet" in answer
    assert "PLUS" not in answer
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact))).more_text is None


async def test_sms_happy_path_with_numbers_and_known_data(conversation: Conversation, db) -> None:
    chat = sms_chat(conversation)
    await chat.say("INSCRIPTION fidima")
    answer = await chat.say("Aminata Keïta")
    assert "Actuel : Mali. OUI pour garder." in answer  # read from +223
    await chat.say("oui")
    answer = await chat.say("Kayes")
    assert "Actuel : +22376123456" in answer
    answer = await chat.say("OUI")
    assert "1. Agriculture" in answer
    assert "4. BTP" in answer
    await chat.say("4")
    summary = await chat.say("PASSER")
    assert "Secteur : BTP" in summary
    assert "Contact : +22376123456" in summary
    assert "1. Confirmer" in summary
    done = await chat.say("1")
    code = code_in(done)
    assert "Code : " in done
    [registration] = await rows(db)
    assert registration.answers["sector"] == "construction"
    assert registration.answers["country"] == "ML"
    assert registration.code == code


async def test_a_question_in_the_middle_on_sms_keeps_the_forms_question_in_view(
    conversation: Conversation, db
) -> None:
    chat = sms_chat(conversation)
    await chat.say("INSCRIPTION fidima")
    await chat.say("Aminata Keïta")
    await chat.say("oui")
    turn = await chat.send("c koi le code des investissements")
    said = "\n".join(o.text for o in turn.outgoing)
    assert "Code des investissements" in said
    assert "votre réponse : Ville ?" in said  # whatever waits for PLUS, not the form's question
    assert sum(segments(o.text).segments for o in turn.outgoing) <= SMS_BUDGET
    assert "Actuel : +22376123456" in await chat.say("Kayes")


async def test_cancel_with_a_code_on_sms_is_not_an_opt_out(conversation: Conversation, db) -> None:
    chat = sms_chat(conversation)
    await chat.say("LANGUE en")
    await chat.say("REGISTER fidima")
    for answer in ("Aminata Keita", "yes", "Kayes", "yes", "4", "SKIP"):
        await chat.say(answer)
    code = code_in(await chat.say("YES"))
    answer = await chat.say(f"CANCEL {code}")
    assert "is cancelled" in answer
    async with db.transaction() as session:
        assert not (await session.scalar(select(Contact))).opted_out
    [registration] = await rows(db)
    assert registration.status == "cancelled"


async def test_back_leaves_the_flow_on_sms(conversation: Conversation, db) -> None:
    chat = sms_chat(conversation)
    await chat.say("LANGUE en")
    await chat.say("REGISTER fidima")
    await chat.say("Aminata Keita")
    await chat.say("BACK")
    answer = await chat.say("Kayes")
    assert "e-mail" not in answer
    assert "Kayes region" in answer  # a question now: "did you mean" the Kayes entry
    assert await rows(db) == []
