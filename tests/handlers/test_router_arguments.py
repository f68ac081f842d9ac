"""Keywords with an argument, when folding splits or joins words."""

from __future__ import annotations

import pytest

from tests.chat import Chat


@pytest.mark.parametrize("text", ["aujourd'hui", "peut-être", "l'État", "c'est-à-dire ?"])
async def test_one_word_that_folds_to_several_is_an_ordinary_message(chat: Chat, text) -> None:
    await chat.say(text)
    assert chat.turn.route.kind != "guard"  # not the apology of a crashed handler


async def test_the_argument_keeps_the_persons_spelling(chat: Chat) -> None:
    assert "noted" in (await chat.say("LANGUE en")).lower()
    assert "répondrai en français" in await chat.say("langue:fr")  # the keyword ends in a word
