"""Languages in conversation: Bambara drafts hidden until reviewed (or LANGUAGE_DRAFTS), French
string by string where Bambara is missing, told once; Bambara noticed and offered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.conversation import Conversation
from bot.services import Services
from bot.settings import Settings
from handlers.context import HandlerConfig
from knowledge.bundle import Knowledge
from knowledge.locales import Locales
from storage.db import Database
from tests.chat import Chat

BM_GREETING = "I ni ce! N bɛ se ka mun kɛ i ye?"  # bm.yaml greeting_back (a draft)
PARTIAL_NOTE_BM = "Jaabi dɔw ma bayɛlɛma Bamanankan la"  # bm.yaml i18n.partial (a draft)


def _chat(db: Database, knowledge: Knowledge, config: HandlerConfig, *, drafts: bool) -> Chat:
    locales = Locales.load(languages=("fr", "en", "bm"), drafts=drafts)
    return Chat(Conversation(db, replace(knowledge, locales=locales), config))


async def test_drafts_are_invisible_by_default(db, knowledge, config) -> None:
    chat = _chat(db, knowledge, config, drafts=False)
    await chat.say("bonjour")
    choices = await chat.say("LANGUE")
    assert "Français" in choices and "English" in choices
    assert "Bamanankan" not in choices  # listed in LANGUAGES, but nothing of it is reviewed
    assert "Je ne connais pas cette langue" in await chat.say("LANGUE bm")
    assert "Bonjour ! Que puis-je faire pour vous ?" in await chat.say("bonjour")


async def test_drafts_are_shown_with_language_drafts(db, knowledge, config) -> None:
    chat = _chat(db, knowledge, config, drafts=True)
    await chat.say("bonjour")
    assert "Bamanankan" in await chat.say("LANGUE")
    assert "n bɛna i jaabi bamanankan na" in await chat.say("LANGUE bm")
    assert BM_GREETING in await chat.say("bonjour")
    # Its keywords too, typed without the special letters: DƐMƐ as DEME.
    assert "Daɲɛ nafamaw" in await chat.say("deme")


async def test_missing_strings_come_in_french_and_the_person_is_told_once(
    db, knowledge, config
) -> None:
    chat = _chat(db, knowledge, config, drafts=True)
    first = await chat.say("LANGUE bm")
    assert "n bɛna i jaabi bamanankan na" in first  # translated: Bambara
    assert "Nouveau : chaque semaine" in first  # subscriptions.offer_line: no Bambara yet
    assert PARTIAL_NOTE_BM in first  # the note, in Bambara (a draft, shown to reviewers)
    again = await chat.say("mes donnees")
    assert "Ce que nous gardons sur vous" in again  # privacy.summary: French again
    assert PARTIAL_NOTE_BM not in again  # but told only once
    # What is translated stays Bambara, string by string.
    assert BM_GREETING in await chat.say("i ni ce")


async def test_a_bambara_greeting_around_a_french_question_is_answered_in_french(
    db, knowledge, config
) -> None:
    chat = _chat(db, knowledge, config, drafts=True)
    await chat.say("bonjour")
    answer = await chat.say("i ni ce, comment envoyer de l'argent au Mali ?")
    assert "Ce service existe aussi en Bamanankan" in answer
    assert "LANGUE bm" in chat.options
    assert "I ni ce" not in answer.splitlines()[0]  # the answer itself is French
    assert "Ce service existe aussi" not in await chat.say(
        "i ni ce, comment envoyer de l'argent au Mali ?"
    )  # offered once


async def test_bambara_is_answered_in_french_while_bambara_is_not_offered(
    db, knowledge, config
) -> None:
    # Default LANGUAGES (fr, en): a Bambara greeting used to get an English reply.
    conversation = Conversation(db, knowledge, config)
    chat = Chat(conversation)
    assert "Bienvenue" in await chat.say("i ni ce")
    assert chat.turn is not None and chat.turn.language == "fr"
    other = Chat(conversation, address="console:other")
    assert "Je n'ai pas de réponse sûre" in await other.say("I ni sɔgɔma, i ka kɛnɛ wa?")
    assert other.turn is not None and other.turn.language == "fr"


async def test_the_settings_offer_bambara_drafts_to_reviewers(db_url: str) -> None:
    settings = Settings(database_url=db_url, languages="fr,en,bm", language_drafts=True)
    services = await Services.start(settings, upgrade=False, answers=False)
    try:
        assert services.knowledge.locales.languages == ("fr", "en", "bm")
    finally:
        await services.close()
    plain = Settings(database_url=db_url, languages="fr, en, bm")
    assert plain.language_list == ("fr", "en", "bm")
    assert Locales.load(languages=plain.language_list).languages == ("fr", "en")


@pytest.mark.parametrize("drafts", [False, True])
async def test_a_bambara_speaker_gets_faq_answers_in_french_until_translated(
    db, knowledge, config, drafts: bool
) -> None:
    chat = _chat(db, knowledge, config, drafts=drafts)
    await chat.say("bonjour")
    if drafts:
        await chat.say("LANGUE bm")
    topics = await chat.say("QUESTIONS")
    assert "Nationalité" in topics or "nationalité" in topics.lower()


async def test_a_bambara_speaker_registers_for_a_forum(db, knowledge, config) -> None:
    from tests.handlers.forum_helpers import register

    chat = _chat(db, knowledge, config, drafts=True)
    await chat.say("LANGUE bm")
    choose = await chat.say("INSCRIPTION")
    assert "forumu min na" in choose  # the Bambara draft of registration.choose
    assert "INSCRIPTION fidima" in chat.options  # forum names: French until translated
    confirmation = await register(chat)
    assert "Votre code" in confirmation  # registration.confirmed: French, no crash


async def test_a_bambara_speaker_subscribes(db, knowledge, config) -> None:
    chat = _chat(db, knowledge, config, drafts=True)
    await chat.say("LANGUE bm")
    assert "i bɛna cikan kelen sɔrɔ dɔgɔkun o dɔgɔkun" in await chat.say("ABONNER")


async def test_a_bambara_greeting_does_not_blur_the_french_question(db, knowledge, config) -> None:
    conversation = Conversation(db, knowledge, config)
    plain = Chat(conversation, address="console:plain")
    answer = (await plain.say("Je voudrais la carte consulaire svp")).splitlines()[0]
    assert "pas sûr" not in answer and "pas de réponse" not in answer  # a real answer
    greeted = Chat(conversation, address="console:greeted")
    assert answer in await greeted.say("I ni sogoma. Je voudrais la carte consulaire svp")
