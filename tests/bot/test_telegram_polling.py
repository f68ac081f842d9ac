"""The real PTB Application, long polling a fake Bot API on 127.0.0.1, talking to the one
conversation on a real database: what a person on Telegram sees."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.channels.telegram import TelegramChannel
from bot.dispatcher import Dispatcher, DispatcherConfig
from knowledge.locales import CORE_KEYS, LOCALES_DIR, Locales, Translation, load_pack
from knowledge.translations import write_pack
from storage.db import Database
from tests.bot.telegram_support import buttons, contact, running, settled, stored, wait_for
from tests.chat import Chat
from tests.fakes.telegram_api import BOT, FakeBotApi
from tests.outbox_rows import rows as outbox_rows
from tests.telegram_sender import PtbSender

ME = 42


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def telegram(db: Database, db_url: str, api: FakeBotApi, knowledge) -> AsyncIterator:
    async with running(db_url, api, knowledge) as channel:
        yield channel


async def replies(api: FakeBotApi, chat_id: int, count: int) -> list[dict]:
    """Wait for `count` messages to `chat_id`; all of them."""
    await wait_for(lambda: len(api.sent_to(chat_id)) >= count, what=f"{count} messages")
    return api.sent_to(chat_id)


async def test_commands_are_registered_per_language(telegram: TelegramChannel, api) -> None:
    assert set(api.commands) == {"fr", "en", ""}
    names = {lang: [c["command"] for c in commands] for lang, commands in api.commands.items()}
    assert names["fr"] == ["start", "menu", "aide", "langue", "arret"]
    assert names["en"] == ["start", "menu", "help", "language", "stop"]
    assert names[""] == names["fr"]  # French is the default language
    assert api.commands["en"][2]["description"] == "How to use this service"


async def test_start_welcomes_with_menu_buttons(telegram, api, db) -> None:
    api.push_text(ME, "/start")
    welcome, menu = await replies(api, ME, 2)
    assert "Bienvenue" in welcome["text"]
    assert welcome["parse_mode"] == "HTML"
    assert ("Poser une question", "QUESTIONS") in buttons(menu)
    assert ("Langue / Language", "LANGUE") in buttons(menu)
    await wait_for(lambda: settled(db), what="replies recorded")
    out = await stored(db, "out")
    assert [m.status for m in out] == ["sent", "sent"]
    assert [m.provider_id for m in out] == [
        f"{ME}:{welcome['message_id']}",
        f"{ME}:{menu['message_id']}",
    ]


async def test_a_question_is_answered(telegram, api, knowledge) -> None:
    api.push_text(ME, "Puis-je garder la nationalité malienne si je deviens français ?")
    # A newcomer's first reply opens with one line saying what the service is (issue 13).
    welcome, answer = await replies(api, ME, 2)
    assert welcome["text"] == knowledge.locales.t("fr", "conversations.first_contact")
    if knowledge.faq is None:  # the FAQ engine is not merged: the core says so honestly
        assert answer["text"] == knowledge.locales.t("fr", "faq.unavailable")
    else:
        assert "95-70" in answer["text"]


async def test_a_button_press_is_the_same_as_typing_its_value(telegram, api) -> None:
    api.push_text(ME, "menu")
    _welcome, menu = await replies(api, ME, 2)
    api.push_callback(
        ME,
        "LANGUE",
        message_id=menu["message_id"],
        text=menu["text"],
        reply_markup=menu["reply_markup"],
    )
    *_, choose = await replies(api, ME, 3)
    assert "Choisissez votre langue" in choose["text"]
    assert ("English", "LANGUE en") in buttons(choose)
    await wait_for(lambda: api.answered_callbacks, what="the press answered")
    # The pressed menu keeps its text, loses its buttons, and shows the choice.
    [edit] = api.edited
    assert int(edit["message_id"]) == menu["message_id"]
    assert edit["text"] == f"{menu['text']}\n\n→ Langue / Language"
    assert "reply_markup" not in edit or not edit["reply_markup"]

    api.push_callback(ME, "LANGUE en", message_id=choose["message_id"], text=choose["text"])
    *_, done = await replies(api, ME, 4)
    assert "Noted, I will answer you in English" in done["text"]
    assert ("Ask a question", "QUESTIONS") in buttons(done)
    await wait_for(lambda: len(api.answered_callbacks) == 2, what="both presses answered")
    assert len(api.edited) == 1  # no keyboard on the message: nothing to tidy


async def test_a_stale_button_after_a_restart_is_answered(telegram, api, knowledge) -> None:
    api.push_callback(ME, "UNE_VIEILLE_COMMANDE", message_id=3)
    await wait_for(lambda: api.answered_callbacks, what="the press answered")
    _welcome, reply = await replies(api, ME, 2)  # a newcomer: the welcome line first
    assert reply["text"]  # the router treats it as text: an answer, not an error
    assert reply["text"] != knowledge.locales.t("fr", "input.error")
    assert api.edited == []


@pytest.mark.parametrize(
    ("payload", "typed"),
    [("faq_nationality_dual", "FAQ nationality_dual"), ("fidima", "INSCRIPTION fidima")],
)
async def test_a_deep_link_answers_as_its_command(
    telegram, api, conversation, payload, typed
) -> None:
    """t.me/<bot>?start=<payload> opens the same place as typing the command."""
    someone = Chat(conversation, "telegram:7", "telegram")
    await someone.say("bonjour")  # a known person, welcomed already
    expected = await someone.say(typed)
    count = len(someone.turn.outgoing)  # the registration opens with two messages

    api.push_text(ME, "bonjour")
    await replies(api, ME, 2)  # welcome and menu
    api.push_text(ME, f"/start {payload}")
    messages = await wait_for(
        lambda: api.sent_to(ME)[2:] if len(api.sent_to(ME)) >= 2 + count else None,
        what="the deep link's answer",
    )
    shown = "\n".join(
        [m["text"] for m in messages] + [label for m in messages for label, _ in buttons(m)]
    )
    assert shown == expected


async def test_an_english_speaking_user_is_answered_in_english(telegram, api, db) -> None:
    api.push_text(43, "/start", language_code="en")
    welcome, menu = await replies(api, 43, 2)
    assert welcome["text"].startswith("Welcome to the information service")
    assert ("Ask a question", "QUESTIONS") in buttons(menu)
    assert (await contact(db, "telegram:43")).language == "en"


async def test_a_person_who_blocked_the_bot_is_marked_unreachable(telegram, api, db) -> None:
    api.block(44)
    api.push_text(44, "menu")
    await wait_for(lambda: settled(db), what="the failure recorded")
    welcome, menu = await stored(db, "out")
    assert (welcome.status, welcome.error_code) == ("failed", "forbidden")
    assert (menu.status, menu.error_code) == ("failed", "forbidden")  # not even tried
    assert (await contact(db, "telegram:44")).unreachable
    assert api.sent_to(44) == []


async def test_a_429_is_honoured_then_the_message_is_sent(telegram, api, db) -> None:
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()
    api.push_text(45, "menu")
    welcome, menu = await replies(api, 45, 2)
    assert time.monotonic() - started >= 1  # it waited as long as Telegram asked
    assert "Bienvenue" in welcome["text"] and "Menu" in menu["text"]
    attempts = [p for method, p in api.calls if method == "sendMessage"]
    assert [a["text"] for a in attempts] == [welcome["text"], welcome["text"], menu["text"]]
    await wait_for(lambda: settled(db), what="the replies recorded")
    assert [m.status for m in await stored(db, "out")] == ["sent", "sent"]


def sticker(api: FakeBotApi, chat_id: int) -> dict:
    message = api.message(chat_id, "")
    del message["text"]
    message["sticker"] = {
        "file_id": "CAAC",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return message


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("sticker", None),
        ("photo", [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]),
        ("location", {"latitude": 12.65, "longitude": -8.0}),
    ],
)
async def test_anything_but_text_gets_a_polite_answer_and_the_menu(
    telegram, api, db, knowledge, kind, content
) -> None:
    message = sticker(api, ME)
    if content is not None:
        del message["sticker"]
        message[kind] = content
        message["caption"] = "mon passeport" if kind == "photo" else None
        message = {k: v for k, v in message.items() if v is not None}
    api.push_update({"message": message})
    welcome, reply = await replies(api, ME, 2)  # a newcomer: the welcome line first
    assert welcome["text"] == knowledge.locales.t("fr", "conversations.first_contact")
    assert reply["text"] == knowledge.locales.t("fr", "input.not_text")
    assert ("Poser une question", "QUESTIONS") in buttons(reply)
    [inbound] = await stored(db, "in")
    assert inbound.text == ("[photo] mon passeport" if kind == "photo" else f"[{kind}]")


async def test_a_group_speaks_to_the_bot_only_when_addressed(telegram, api, db) -> None:
    group = -200
    api.push_text(group, "bonjour tout le monde", chat_type="group", user_id=50)
    api.push_text(group, "/menu@AnotherBot", chat_type="group", user_id=50)
    api.push_text(group, "@DiasporaTestBot langue", chat_type="group", user_id=50)
    _welcome, choose = await replies(api, group, 2)
    assert "Choisissez votre langue" in choose["text"]
    api.push_text(group, "/menu", chat_type="group", user_id=51)
    api.push_text(
        group, "merci", chat_type="group", user_id=51, reply_to_message_id=choose["message_id"]
    )
    await replies(api, group, 4)
    # Updates of one chat are handled in order: the first two were seen, and left alone.
    assert [m.text for m in await stored(db, "in")] == ["langue", "/menu", "merci"]


async def test_edited_messages_are_ignored(telegram, api, db) -> None:
    api.push_update({"edited_message": {**api.message(ME, "menu"), "edit_date": int(time.time())}})
    api.push_text(ME, "langue")
    _welcome, reply = await replies(api, ME, 2)
    assert "Choisissez votre langue" in reply["text"]
    assert [m.text for m in await stored(db, "in")] == ["langue"]


async def test_a_burst_of_20_messages_is_stored_and_answered_in_order(telegram, api, db) -> None:
    # 20, not 50: replies to one chat go out at about one a second (Telegram's limit, kept by
    # the limiter), so 50 held a CI worker for 48 s to show what 20 show.
    texts = [f"question numéro {i}" for i in range(20)]
    for text in texts:
        api.push_text(ME, text)
    # 20 answers, and the welcome line above a newcomer's first one (issue 13).
    await wait_for(lambda: len(api.sent_to(ME)) >= 21, seconds=60, what="20 answers")
    await wait_for(lambda: settled(db), what="every reply recorded")
    inbound = await stored(db, "in")
    assert [m.text for m in inbound] == texts  # stored in the order they were written
    out = await stored(db, "out")
    assert all(m.status == "sent" for m in out)
    # Each answer went out after the answers to every earlier message.
    telegram_ids = {m.id: int(m.provider_id.split(":")[1]) for m in out}
    by_question = [
        [telegram_ids[m.id] for m in out if m.reply_to_id == question.id] for question in inbound
    ]
    assert all(ids for ids in by_question)
    assert all(max(a) < min(b) for a, b in zip(by_question, by_question[1:], strict=False))
    assert len(api.sent_to(ME)) == len(out)


def membership(api: FakeBotApi, chat_id: int, old: str, new: str) -> dict:
    """Telegram's notice that a person blocked (kicked) or unblocked (member) the bot."""
    return {
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "private"},
            "from": api.user(chat_id),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": BOT, "until_date": 0},
            "new_chat_member": {"status": new, "user": BOT, "until_date": 0},
        }
    }


async def test_blocking_and_unblocking_the_bot_is_heard_at_once(telegram, api, db) -> None:
    api.push_text(ME, "bonjour")
    await replies(api, ME, 2)
    api.push_update(membership(api, ME, "member", "kicked"))
    await wait_for(
        lambda: _unreachable(db, f"telegram:{ME}"), what="the person marked unreachable"
    )
    api.push_update(membership(api, ME, "kicked", "member"))
    await wait_for(lambda: _reachable(db, f"telegram:{ME}"), what="the person reachable again")
    assert [m.text for m in await stored(db, "in")] == ["bonjour"]  # no message to store


async def _unreachable(db: Database, address: str) -> bool:
    return (await contact(db, address)).unreachable


async def _reachable(db: Database, address: str) -> bool:
    return not (await contact(db, address)).unreachable


async def test_a_reply_lost_to_a_network_error_is_sent_again_by_the_outbox(
    telegram, api, db
) -> None:
    """Telegram's 5xx surely did not deliver: that reply and the next go through the outbox
    (once, in order, buttons left behind); the log says what happened to the first attempt."""
    api.fail_next("sendMessage", 502, "Bad Gateway")
    api.push_text(46, "menu")
    await wait_for(lambda: settled(db), what="the failure recorded")
    assert api.sent_to(46) == []  # the menu was not tried after the welcome failed
    welcome, menu = await stored(db, "out")
    assert welcome.status == menu.status == "failed"
    assert welcome.error_code == "network"
    [row] = await outbox_rows(db)
    assert (row.kind, row.address, row.status) == ("reply", "telegram:46", "queued")
    assert row.source == f"reply:{welcome.reply_to_id}"

    sender = PtbSender(api.url)
    await sender.start()
    try:
        config = DispatcherConfig(rates={"telegram": 30.0}, worker_id="t", only_worker=True)
        await Dispatcher(db, {"telegram": sender}, config).run_until_idle()
    finally:
        await sender.stop()
    [again] = api.sent_to(46)
    assert "Bienvenue" in again["text"] and "Menu" in again["text"]
    assert again["text"].index("Bienvenue") < again["text"].index("Menu")
    assert [r.status for r in await outbox_rows(db)] == ["sent"]


# --- session 4, issue-18: command menus for languages without a two-letter code -----------------


async def test_a_language_without_a_two_letter_code_gets_the_default_menu(
    db: Database, db_url: str, api: FakeBotApi, knowledge, tmp_path: Path, caplog
) -> None:
    # Soninke reviewed enough to be offered; setMyCommands takes only ISO 639-1 codes, and
    # Soninke has none (snk). Bambara has one (bm).
    for source in LOCALES_DIR.glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    snk = load_pack(tmp_path / "snk.yaml")
    signed = {
        key: Translation(f"[snk] {key}", "reviewed", "Test Reviewer", "2026-12-01")
        for key in CORE_KEYS
    }
    write_pack(replace(snk, strings=signed), tmp_path / "snk.yaml")
    locales = Locales.load(tmp_path, languages=("fr", "en", "bm", "snk"), drafts=True)
    assert locales.languages == ("fr", "en", "bm", "snk")
    with caplog.at_level(logging.WARNING, logger="bot.channels.telegram"):
        async with running(db_url, api, replace(knowledge, locales=locales)):
            pass
    assert set(api.commands) == {"fr", "en", "bm", ""}  # snk people get the default ("")
    assert [c["command"] for c in api.commands[""]][:3] == ["start", "menu", "aide"]
    assert not [r for r in caplog.records if "setMyCommands" in r.getMessage()]
    refused = [p for m, p in api.calls if m == "setMyCommands" and p.get("language_code") == "snk"]
    assert refused == []  # not even tried


# --- session 4, issue-13b: a person's language follows their app's language_code and what they
# write, unless they chose one with LANGUE (docs/architecture.md, "Whose language it is"). Each
# update carries the language_code of the person's app, as Telegram sends it.

SWITCHED_TO_ENGLISH_BY_APP = "Replies are now in English (your Telegram app's language)."
SWITCHED_TO_FRENCH_BY_APP = "Langue des réponses : Français (celle de votre application Telegram)."
SWITCHED_TO_ENGLISH_BY_TEXT = "Replies are now in English (the language you write in)."
BACK_TO_FRENCH = "Pour revenir à la langue d'avant (Français), envoyez LANGUE FR."
BACK_TO_ENGLISH = "To go back to the language you had (English), send LANGUAGE EN."


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
