"""Issue 13, bullet 3: numbers and lists. A number that is no option gets "1 to N" and the list
again (never a counsellor); the list survives PLUS, AIDE and small talk; 0 is the menu."""

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
    tickets,
)

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def test_a_number_that_is_no_option_shows_the_list_again(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("menu")
    menu = list(chat.options)
    answer = await chat.say("42")
    assert f"Répondez par un numéro de 1 à {len(menu)}" in answer
    assert chat.options == menu
    assert "conseiller" not in answer.split("\n")[0]
    # The next number chooses from that list: no ticket whose question is "42".
    position = menu.index("LANGUE") + 1
    assert "Choisissez votre langue" in await chat.say(str(position))
    assert await tickets(db) == []
    assert await gap_count(db) == 0


async def test_in_english(conversation: Conversation, db: Database, channel: str) -> None:
    chat = person(conversation, channel)
    await chat.say("LANGUE en")
    await chat.say("menu")
    n = len(chat.options)
    assert f"Reply with a number from 1 to {n}" in await chat.say("9")


async def test_a_number_without_any_list_gets_the_menu(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("ARRET")  # a reply without a list
    answer = await chat.say("7")
    assert "ne correspond à aucun choix" in answer
    assert "QUESTIONS" in chat.options
    assert await gap_count(db) == 0


async def test_zero_is_the_menu(conversation: Conversation, channel: str) -> None:
    chat = person(conversation, channel)
    await chat.say("QUESTIONS")
    assert "Menu" in await chat.say("0")
    assert "QUESTIONS" in chat.options


async def test_the_list_survives_help_small_talk_and_more(
    conversation: Conversation, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("QUESTIONS")  # the topics
    topics = list(chat.options)
    assert "répondez par son numéro" in await chat.say("AIDE")
    await chat.say("ok")
    await chat.say("PLUS")
    answer = await chat.say(str(len(topics)))  # the last topic
    assert "choisissez une question" in answer


async def test_the_list_survives_more_after_a_long_answer_on_sms(
    conversation: Conversation, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("QUESTIONS")
    first = chat.options[0]
    await chat.say("1")  # a topic: its questions
    assert chat.options and chat.options != [first]
    questions = list(chat.options)
    await chat.say("PLUS")
    answer = await chat.say("2")
    assert answer  # the second question of the topic is answered
    assert "Répondez par un numéro" not in answer
    assert questions[1].startswith("FAQ ")


@pytest.mark.parametrize(("lang", "word", "useful"), [("fr", "AIDE", "Mots utiles"),
                                                      ("en", "HELP", "Useful words")])  # fmt: skip
async def test_help_is_whole_and_on_sms_within_the_budget(
    conversation: Conversation, channel: str, lang: str, word: str, useful: str
) -> None:
    """By SMS, the whole help and the menu came to more than two segments: the help was cut in
    the middle of a sentence, its end left for PLUS. SMS now gets a short help."""
    chat = person(conversation, channel)
    await chat.say("bonjour")
    await chat.say(f"LANGUE {lang}")
    said = await chat.say(word)
    assert useful in said and "STOP" in said
    if channel == "sms":
        assert "PLUS" not in said and "MORE" not in said
        assert sms_segments(chat) <= SMS_BUDGET
