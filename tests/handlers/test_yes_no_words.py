"""One vocabulary of yes / no words (knowledge/locales, `vocabulary:`), the same in every flow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from knowledge.locales import Locales
from knowledge.words import says
from storage.models import Contact
from tests.chat import Chat


@pytest.mark.parametrize("yes", ["ok", "OK", "oui", "Oui !", "yes", "d'accord"])
async def test_every_yes_word_confirms_an_erasure(chat: Chat, db, yes: str) -> None:
    await chat.say("supprimer")
    assert "Vos données ont été effacées" in await chat.say(yes)
    async with db.transaction() as session:
        assert await session.scalar(select(Contact)) is None


@pytest.mark.parametrize("no", ["non", "no", "non merci"])
async def test_a_no_word_keeps_the_data(chat: Chat, db, no: str) -> None:
    await chat.say("supprimer")
    assert "Vos données sont conservées" in await chat.say(no)
    async with db.transaction() as session:
        assert await session.scalar(select(Contact)) is not None


def test_each_language_has_its_words_and_no_word_means_two_things() -> None:
    locales = Locales.load()
    for lang in locales.languages:
        for kind in ("yes", "no", "cancel"):
            assert locales.strings[lang].get(f"vocabulary.{kind}"), (lang, kind)
    for word in ("ok", "oui", "yes", "y", "o", "confirm"):
        assert says(locales, word, "yes") and not says(locales, word, "no")
    for word in ("non", "no", "n"):
        assert says(locales, word, "no") and not says(locales, word, "yes")
