"""Issue 13, bullet 2: first contact says what the service is; small talk gets one friendly SMS
segment and is no knowledge gap."""

from __future__ import annotations

import pytest

from bot.conversation import Conversation
from storage.db import Database
from tests.handlers.conversations import (
    CHANNELS,
    SMS_BUDGET,
    gap_count,
    person,
    sms_segments,
)

SMALL_TALK = [
    "slt",
    "bjr",
    "merci bcp",
    "a ka di",
    "i ni ce",
    "aw ni ce",
    "i ni sogoma",
    "i ni baara",
    "barika",
    "mdr",
    "lol",
    "👍",
    "ok",
    "Merciii !",
    "thank you very much",
    "🙏🙏",
    # asking after the family is a greeting (it got the uses of remittances, confidently)
    "comment va ta famille",
    "ça va la famille ?",
]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("words", ["slt", "bjr", "👍", "i ni ce"])
async def test_a_first_message_says_what_the_service_is_and_shows_the_menu(
    conversation: Conversation, db: Database, channel: str, words: str
) -> None:
    chat = person(conversation, channel)
    answer = await chat.say(words)
    assert "service d'info" in answer  # one line: what this is
    assert "Je n'ai pas de réponse sûre" not in answer
    assert "QUESTIONS" in chat.options  # and the menu
    if channel == "sms":
        assert sms_segments(chat) <= SMS_BUDGET
    assert await gap_count(db) == 0


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_first_question_gets_the_line_and_its_answer(
    conversation: Conversation, channel: str
) -> None:
    chat = person(conversation, channel)
    answer = await chat.say("double nationalité ?")
    assert "service d'info" in answer
    assert "nationalit" in answer.split("\n", 1)[1].lower()  # the answer itself, below
    if channel == "sms":
        assert sms_segments(chat) <= SMS_BUDGET


async def test_a_first_message_in_english_on_telegram(conversation: Conversation) -> None:
    chat = person(conversation, "telegram", language_hint="en")
    answer = await chat.say("hi")
    assert "Welcome to the info" in answer or "Welcome to the information service" in answer


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("words", SMALL_TALK)
async def test_small_talk_is_one_friendly_segment_and_no_gap(
    conversation: Conversation, db: Database, channel: str, words: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("menu")
    answer = await chat.say(words)
    assert "Je n'ai pas de réponse sûre" not in answer
    assert "Vouliez-vous dire" not in answer
    assert any(word in answer for word in ("MENU", "Menu", "Bonjour", "Avec plaisir", "Merci"))
    if channel == "sms":
        assert sms_segments(chat) == 1
    assert await gap_count(db) == 0


async def test_small_talk_in_english(conversation: Conversation) -> None:
    chat = person(conversation, "sms")
    await chat.say("LANGUE en")
    assert "You're welcome" in await chat.say("thanks a lot")
    assert sms_segments(chat) == 1
    assert "Hello" in await chat.say("hello")
    assert sms_segments(chat) == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_what_is_this_number(conversation: Conversation, channel: str) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("c koi ce numero")  # the issue's
    assert "service d'information du ministère" in answer
    assert "Ce que nous gardons" not in answer  # not the personal-data answer
    if channel == "sms":
        assert sms_segments(chat) == 1


def test_every_short_line_of_issue_13_fits_one_sms_segment(knowledge) -> None:
    from bot.channels.sms_render import sms_text
    from knowledge.gsm7 import segments

    locales = knowledge.locales
    for lang in locales.languages:
        for key, text in locales.strings[lang].items():
            if key.startswith("conversations."):
                assert segments(sms_text(str(text))).segments == 1, (lang, key)
