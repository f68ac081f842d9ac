"""One vocabulary of yes / no words (knowledge/locales, `vocabulary:`), the same in every flow."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.conversation import Conversation
from knowledge.locales import Locales
from knowledge.words import says
from storage.models import Contact
from tests.chat import Chat
from tests.handlers.forum_helpers import FIDIMA, rows


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


# --- session 4, issue-18: Bambara's awɔ / ayi ---------------------------------------------------

BAMBARA_YES = ["awɔ", "AWƆ", "awo", "Awò", "awoo", "awɔ, n sɔnna", "n sonna"]
BAMBARA_NO = ["ayi", "Ayi !", "ayii", "ayi, i ni ce", "ayi n te son"]


def _bambara(conversation: Conversation, *, drafts: bool, languages=("fr", "en", "bm")) -> Chat:
    locales = Locales.load(languages=languages, drafts=drafts)
    knowledge = replace(conversation.knowledge, locales=locales)
    return Chat(Conversation(conversation.db, knowledge, conversation.config))


@pytest.mark.parametrize(
    ("word", "erased"), [*((w, True) for w in BAMBARA_YES), *((w, False) for w in BAMBARA_NO)]
)
async def test_awo_confirms_an_erasure_and_ayi_never_does(conversation, db, word, erased) -> None:
    chat = _bambara(conversation, drafts=True)
    await chat.say("LANGUE bm")
    await chat.say("supprimer")
    said = "Vos données ont été effacées" if erased else "Vos données sont conservées"
    assert said in await chat.say(word)
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact)) is None) is erased


async def test_awo_and_ayi_answer_a_registration_summary(conversation, db) -> None:
    chat = _bambara(conversation, drafts=True)
    await chat.say("LANGUE bm")
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await chat.say(answer)
    assert "Tɔgɔsɛbɛn dabilara" in await chat.say("ayi")  # registration.abandoned
    assert await rows(db) == []
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await chat.say(answer)
    assert "I ka code: FID-" in await chat.say("awo")
    assert len(await rows(db)) == 1


async def test_awo_means_nothing_where_bambara_is_not_offered(conversation, db) -> None:
    # The public service before a reviewer signed Bambara's first conversation: "awo" is no
    # word of ours, so it cannot erase anything.
    chat = _bambara(conversation, drafts=False)
    await chat.say("supprimer")
    assert "Vos données sont conservées" in await chat.say("awɔ")
    async with db.transaction() as session:
        assert await session.scalar(select(Contact)) is not None


def test_bambara_words_are_yes_or_no_never_both() -> None:
    for locales in (
        Locales.load(languages=("fr", "en", "bm"), drafts=True),  # offered with drafts
        Locales.load(languages=("fr", "en"), drafts=True),  # drafts on: reviewers' words too
    ):
        for word in BAMBARA_YES:
            assert says(locales, word, "yes") and not says(locales, word, "no"), word
        for word in BAMBARA_NO:
            assert says(locales, word, "no") and not says(locales, word, "yes"), word
        assert locales.problems() == []
    plain = Locales.load(languages=("fr", "en", "bm"))  # nothing reviewed: not offered
    assert not says(plain, "awo", "yes") and not says(plain, "ayi", "no")
