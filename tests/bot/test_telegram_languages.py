"""On Telegram, a person's language follows their app's language and what they write, unless
they chose one with LANGUE (issue 13; docs/architecture.md, "Choices"). The real PTB
Application long-polls a fake Bot API; each update carries the `language_code` of the
person's app, as Telegram sends it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from storage.db import Database
from tests.bot.telegram_support import contact, running, settled, wait_for
from tests.fakes.telegram_api import FakeBotApi

ME = 42
SWITCHED_TO_ENGLISH_BY_APP = "Replies are now in English (your Telegram app's language)."
SWITCHED_TO_FRENCH_BY_APP = "Langue des réponses : Français (celle de votre application Telegram)."
SWITCHED_TO_ENGLISH_BY_TEXT = "Replies are now in English (the language you write in)."
BACK_TO_FRENCH = "Pour revenir à la langue d'avant (Français), envoyez LANGUE FR."
BACK_TO_ENGLISH = "To go back to the language you had (English), send LANGUAGE EN."


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def telegram(db: Database, db_url: str, api: FakeBotApi, knowledge) -> AsyncIterator:
    async with running(db_url, api, knowledge) as channel:
        yield channel


async def say(api: FakeBotApi, db: Database, text: str, language_code: str | None) -> str:
    """What the bot sends back to one message, all its messages in one text."""
    before = len(api.sent_to(ME))
    api.push_text(ME, text, language_code=language_code)
    await wait_for(lambda: len(api.sent_to(ME)) > before, what=f"an answer to {text!r}")
    # The turn's replies are stored together, then sent: settled means all of them are out.
    await wait_for(lambda: settled(db), what="every reply sent")
    return "\n".join(m["text"] for m in api.sent_to(ME)[before:])


async def test_a_french_app_switched_to_english_gets_english_and_is_told_once(
    telegram, api, db
) -> None:
    assert "Menu : choisissez" in await say(api, db, "bonjour", "fr")
    switched = await say(api, db, "menu", "en")
    assert "Menu: choose" in switched
    assert f"{SWITCHED_TO_ENGLISH_BY_APP} {BACK_TO_FRENCH}" in switched
    again = await say(api, db, "menu", "en-GB")
    assert "Menu: choose" in again
    assert "Replies are now" not in again  # said once
    assert (await contact(db, f"telegram:{ME}")).language == "en"


async def test_an_english_app_switched_to_french_gets_french_and_is_told_once(
    telegram, api, db
) -> None:
    assert "Menu: choose" in await say(api, db, "hello", "en")
    switched = await say(
        api, db, "Puis-je garder la nationalité malienne si je deviens français ?", "fr"
    )
    assert "95-70" in switched  # the answer, in French
    assert f"{SWITCHED_TO_FRENCH_BY_APP} {BACK_TO_ENGLISH}" in switched
    assert "Langue des réponses" not in await say(api, db, "merci", "fr")
    assert (await contact(db, f"telegram:{ME}")).language == "fr"


async def test_the_way_back_works(telegram, api, db) -> None:
    await say(api, db, "bonjour", "fr")
    await say(api, db, "menu", "en")
    back = await say(api, db, "LANGUE FR", "en")
    assert "je vous répondrai en français" in back
    assert (await contact(db, f"telegram:{ME}")).language == "fr"


async def test_a_language_chosen_with_langue_is_kept(telegram, api, db) -> None:
    await say(api, db, "bonjour", "fr")
    assert "I will answer you in English" in await say(api, db, "LANGUE en", "fr")
    # Their app changes to English and back to French: they chose English, it stays.
    await say(api, db, "menu", "en")
    kept = await say(api, db, "menu", "fr")
    assert "Menu: choose" in kept
    assert "Langue des réponses" not in kept
    # A question written in French is answered in the language they chose.
    answer = await say(
        api, db, "Puis-je garder la nationalité malienne si je deviens français ?", "fr"
    )
    assert "Mali allows dual nationality" in answer
    assert (await contact(db, f"telegram:{ME}")).language == "en"


async def test_a_whole_question_in_english_moves_the_conversation(telegram, api, db) -> None:
    await say(api, db, "bonjour", "fr")
    answer = await say(api, db, "can I keep my Malian nationality if I become British?", "fr")
    assert "Mali allows dual nationality" in answer
    assert f"{SWITCHED_TO_ENGLISH_BY_TEXT} {BACK_TO_FRENCH}" in answer
    nextone = await say(api, db, "how do I register a company in Mali?", "fr")
    assert "Replies are now" not in nextone  # said once
    assert "Menu: choose" in await say(api, db, "menu", "fr")


async def test_a_short_word_in_english_does_not_move_a_french_conversation(
    telegram, api, db
) -> None:
    await say(api, db, "bonjour", "fr")
    for short in ("ok", "thanks", "yes"):
        assert "Replies are now" not in await say(api, db, short, "fr")
    assert "Menu : choisissez" in await say(api, db, "menu", "fr")
    assert (await contact(db, f"telegram:{ME}")).language == "fr"


async def test_an_app_without_a_language_changes_nothing(telegram, api, db) -> None:
    await say(api, db, "hello, can I keep my Malian nationality if I become British?", None)
    assert "Menu: choose" in await say(api, db, "menu", None)
    assert "Replies are now" not in "\n".join(api.texts_to(ME))
