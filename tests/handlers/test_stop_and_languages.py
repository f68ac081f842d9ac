"""Issue 13, bullets 4 and 5: STOP says what stops and what does not, START gives back what
the person had; a language we do not read is answered in the person's own language."""

from __future__ import annotations

import pytest

from bot.conversation import Conversation
from storage.db import Database
from tests.handlers.conversations import CHANNELS, contact, person, sms_segments


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("word", ["ARRET", "/stop", "/arret"])
async def test_stop_says_what_stops_and_what_does_not(
    conversation: Conversation, db: Database, channel: str, word: str
) -> None:
    if channel == "sms" and word.startswith("/"):
        pytest.skip("Telegram commands")
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say(word)
    assert "annonces" in answer and "hebdomadaire" in answer and "rappels" in answer
    assert "toujours une réponse" in answer  # answers still come
    assert (await contact(db, chat)).opted_out
    if channel == "sms":
        assert sms_segments(chat) == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_start_gives_the_weekly_series_back(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("ABONNER")
    await chat.say("ARRET")
    assert not (await contact(db, chat)).subscribed
    answer = await chat.say("/start" if channel == "telegram" else "OUI")
    assert "comme avant, le message hebdomadaire" in answer
    found = await contact(db, chat)
    assert found.subscribed and not found.opted_out


@pytest.mark.parametrize("channel", CHANNELS)
async def test_start_asks_those_who_had_no_series(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    await chat.say("ARRET")
    answer = await chat.say("OUI")
    assert "Voulez-vous aussi le message hebdomadaire" in answer
    assert "ABONNER" in chat.options
    assert not (await contact(db, chat)).subscribed


async def test_stop_and_start_in_english(conversation: Conversation, db: Database) -> None:
    chat = person(conversation, "telegram", language_hint="en")
    await chat.say("SUBSCRIBE")
    answer = await chat.say("/stop")
    assert "no more announcements, weekly message or reminders" in answer
    assert "still get an answer" in answer
    assert "as before, the weekly message" in await chat.say("/start")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "words",
    [
        "n be taa bamako sini",  # the Bambara sentence
        "i be taa min? n ye wari ci n ba ma",
        "مرحبا كيف يمكنني الحصول على جواز السفر",
        "hola quiero saber como enviar dinero a mi familia",
    ],
)
async def test_a_language_we_do_not_read(
    conversation: Conversation, db: Database, channel: str, words: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say(words)
    assert "je ne sais pas lire cette langue" in answer
    assert "English" in answer and "Fran" in answer  # the loaded locales (SMS: "Francais")
    assert "CONSEILLER" in chat.options
    assert (await contact(db, chat)).language == "fr"  # no switch to English


async def test_a_language_we_do_not_read_in_english(conversation: Conversation) -> None:
    chat = person(conversation, "sms")
    await chat.say("LANGUE en")
    answer = await chat.say("n be taa bamako sini")
    assert "I cannot read this language" in answer


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_first_message_in_bambara_stays_french(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    answer = await chat.say("n be taa bamako sini")
    assert "je ne sais pas lire cette langue" in answer
    assert (await contact(db, chat)).language == "fr"


async def test_the_counsellor_gets_the_unread_message(conversation: Conversation, db) -> None:
    chat = person(conversation, "sms")
    await chat.say("bonjour")
    await chat.say("n be taa bamako sini")
    answer = await chat.say(str(chat.options.index("CONSEILLER") + 1))
    assert "transmise à un conseiller" in answer


async def test_a_button_answers_in_the_language_of_the_conversation(
    conversation: Conversation, db: Database
) -> None:
    chat = person(conversation, "telegram", language_hint="fr")
    await chat.say("bonjour")
    answer = await chat.say("how do I get dual nationality as a Malian abroad?")
    assert "nationality" in answer.lower()
    related = [v for v in chat.options if v.startswith("FAQ ")]
    assert related
    assert (await contact(db, chat)).language == "en"  # follows what they write
    pressed = await chat.say(related[0])  # an English-labelled button
    assert " the " in pressed or " The " in pressed
    assert " le " not in pressed and " la " not in pressed
