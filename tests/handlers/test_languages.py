"""Languages in conversation: Bambara drafts hidden until reviewed (or LANGUAGE_DRAFTS), French
string by string where Bambara is missing, told once; Bambara noticed and offered."""

from __future__ import annotations

import shutil
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.render import render_for_sms
from bot.conversation import Conversation
from bot.services import Services
from bot.settings import Settings
from handlers.context import HandlerConfig
from knowledge.bundle import Knowledge
from knowledge.gsm7 import segments
from knowledge.locales import CORE_KEYS, LOCALES_DIR, Locales, Translation, load_pack
from knowledge.translations import write_pack
from storage.db import Database
from storage.models import Contact
from tests.chat import Chat
from tests.handlers.forum_helpers import FIDIMA

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
    assert "Kura: dɔgɔkun o dɔgɔkun" in first  # subscriptions.offer_line, a draft too
    assert PARTIAL_NOTE_BM not in first  # every string of this turn has a Bambara draft
    data = await chat.say("mes donnees")
    assert "Ce que nous gardons sur vous" in data  # privacy.summary: no Bambara yet
    assert PARTIAL_NOTE_BM in data  # the note, in Bambara (a draft, shown to reviewers)
    again = await chat.say("supprimer")
    assert "Voulez-vous vraiment effacer" in again  # French again
    assert PARTIAL_NOTE_BM not in again  # but told only once
    assert "Vos données sont conservées" in await chat.say("ayi")  # Bambara "no" keeps them
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
    # Issue 13: a Bambara greeting is small talk (the welcome and the menu for a newcomer).
    assert "Bienvenue" in await other.say("I ni sɔgɔma, i ka kɛnɛ wa?")
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
    assert "I ka code: FID-" in confirmation  # registration.confirmed: a Bambara draft


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


# --- session 4, issue-18: a whole Bambara conversation by SMS -----------------------------------

SMS_BUDGET = 2  # SMS_MAX_SEGMENTS' default
BAMBARA_LETTERS = set("ɛɔɲŋƐƆƝŊ")


def _sms_chat(conversation: Conversation) -> Chat:
    return Chat(
        conversation,
        "tel:+22376123456",
        "sms",
        render=partial(render_for_sms, max_segments=SMS_BUDGET),
    )


async def _sms_turn(chat: Chat, text: str) -> str:
    """Send `text` by SMS; the replies, after checking they are GSM-7 within the budget."""
    turn = await chat.send(text)
    body = "\n".join(out.text for out in turn.outgoing)
    assert body, f"no reply to {text!r}"
    assert sum(segments(out.text).segments for out in turn.outgoing) <= SMS_BUDGET, body
    assert all(segments(out.text).encoding == "GSM-7" for out in turn.outgoing), body
    assert not BAMBARA_LETTERS & set(body), body  # ɛ, ɔ sent as è, ò (knowledge/gsm7.py)
    return body


async def test_a_bambara_conversation_by_sms_with_drafts(db, knowledge, config) -> None:
    chat = _sms_chat(_chat(db, knowledge, config, drafts=True).conversation)
    assert "A sèbènna, n bèna i jaabi bamanankan na" in await _sms_turn(chat, "LANGUE bm")
    assert "I ni ce! I ka nyininkali sèbèn" in await _sms_turn(chat, "i ni ce")  # small talk
    menu = await _sms_turn(chat, "MENU")
    assert "Menu: i ka sugandili kè" in menu and "1. Ka nyininkali kè" in menu
    assert "i bèna cikan kelen sòrò dògòkun o dògòkun" in await _sms_turn(chat, "ABONNER")
    intro = await _sms_turn(chat, "INSCRIPTION fidima")
    assert "FIDIMA: nyininkali 6. ANNULER k'a dabila." in intro
    for answer in FIDIMA:  # the questions themselves are forums.yaml's: French until translated
        summary = await _sms_turn(chat, answer)
    assert "Forumu: FIDIMA" in summary  # Bambara's typography.label_value: no space before ":"
    assert "Tògò ni jamana bè mara. OUI k'a sinsin:" in summary
    done = await _sms_turn(chat, "OUI")
    assert "I tògò sèbènna FIDIMA la. Code: FID-" in done
    assert "Baasi tè!" in await _sms_turn(chat, "barika")  # thanks
    # Some texts had no Bambara (the forum's questions do not count: they are its data); the
    # person was told so at most once.
    assert not await _notes(db)


async def test_a_bambara_conversation_by_sms_without_drafts(
    db, knowledge, config, tmp_path: Path
) -> None:
    # The public service: only what a reviewer signed is Bambara; here, the strings of a
    # first conversation (CORE_KEYS), which is what makes Bambara offered at all.
    locales = Locales.load(_reviewed_core(tmp_path), languages=("fr", "en", "bm"))
    assert locales.languages == ("fr", "en", "bm")
    chat = _sms_chat(Conversation(db, replace(knowledge, locales=locales), config))
    said = [await _sms_turn(chat, "LANGUE bm")]
    assert "n bèna i jaabi bamanankan na" in said[-1]  # reviewed: Bambara
    # The welcome, the choice and the menu fill the budget: the note on French answers that
    # follows them comes with PLUS (the welcome is never cut to a fragment to make room).
    assert said[-1].startswith("I ni ce! Minisiriso")
    said.append(await _sms_turn(chat, "PLUS"))
    said.append(await _sms_turn(chat, "ABONNER"))
    assert "vous recevrez un message par semaine" in said[-1]  # a draft: French
    said.append(await _sms_turn(chat, "INSCRIPTION fidima"))
    assert "FIDIMA : 6 questions" in said[-1]
    for answer in FIDIMA:
        said.append(await _sms_turn(chat, answer))
    said.append(await _sms_turn(chat, "OUI"))
    assert "Inscrit(e) au FIDIMA" in said[-1]
    said.append(await _sms_turn(chat, "barika"))
    assert "Avec plaisir" in said[-1]
    said.append(await _sms_turn(chat, "i ni ce"))
    assert "I ni ce! I ka nyininkali sèbèn" in said[-1]  # reviewed: Bambara
    # Told once, in French (the note's Bambara is a draft), that some answers come in French.
    note = "Certaines réponses ne sont pas encore traduites en Bamanankan"
    assert sum(text.count(note) for text in said) == 1
    assert await _notes(db) == ["fallback:bm"]


def _reviewed_core(tmp_path: Path) -> Path:
    """The shipped locale files, with Bambara's CORE_KEYS signed by a reviewer."""
    for source in LOCALES_DIR.glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    pack = load_pack(tmp_path / "bm.yaml")
    strings = {
        key: Translation(t.text, "reviewed", "Test Reviewer", "2026-12-01")
        if key in CORE_KEYS
        else t
        for key, t in pack.strings.items()
    }
    write_pack(replace(pack, strings=strings), tmp_path / "bm.yaml")
    return tmp_path


async def _notes(db: Database) -> list[str]:
    async with db.transaction() as session:
        contact = await session.scalar(select(Contact))
        assert contact is not None
        return [n for n in contact.language_notices or [] if n.startswith("fallback:")]
