"""Which Telegram updates reach the core, and as what: a table of real update payloads."""

from __future__ import annotations

import time

import pytest
from telegram import Update

from bot.channels.telegram_inbound import inbound_from_update
from tests.fakes.telegram_api import BOT, FakeBotApi

STAFF_GROUP = -100500
fake = FakeBotApi()  # only its payload builders: no server is started


def parse(payload: dict):  # noqa: ANN201
    update = Update.de_json({"update_id": 99, **payload}, None)
    return inbound_from_update(update, bot_username=BOT["username"], bot_id=BOT["id"])


def text(chat_id: int, words: str, **kwargs) -> dict:  # noqa: ANN003
    return {"message": fake.message(chat_id, words, **kwargs)}


def test_a_private_message_carries_everything_the_core_needs() -> None:
    inbound = parse(text(42, "double nationalité ?", user_id=42, language_code="en-GB"))
    assert inbound.channel == "telegram"
    assert inbound.address == "telegram:42"
    assert inbound.text == "double nationalité ?"
    assert inbound.provider_id == "99"  # the update id: a second delivery is recognised
    assert inbound.language_hint == "en-GB"
    assert inbound.user_id == "42"
    assert inbound.kind == "text"
    assert inbound.reply_to is None


def test_a_button_press_is_its_value_as_text() -> None:
    payload = fake.push_callback(42, "FAQ nationality_dual", message_id=5, language_code="en")
    inbound = parse({k: v for k, v in payload.items() if k != "update_id"})
    assert (inbound.address, inbound.text, inbound.language_hint) == (
        "telegram:42",
        "FAQ nationality_dual",
        "en",
    )


@pytest.mark.parametrize(
    ("words", "kwargs", "expected"),
    [
        ("bonjour tout le monde", {}, None),
        ("/menu", {}, "/menu"),
        ("/menu@DiasporaTestBot", {}, "/menu@DiasporaTestBot"),
        ("/menu@SomeOtherBot", {}, None),
        ("@DiasporaTestBot double nationalité", {}, "double nationalité"),
        ("Bonjour @diasporatestbot, langue", {}, "Bonjour langue"),
        ("@DiasporaTestBotFan salut", {}, None),  # another account whose name starts alike
        ("merci", {"reply_to_message_id": 1000}, "merci"),  # a reply to the bot
    ],
)
def test_in_a_group_only_what_is_addressed_to_the_bot(words, kwargs, expected) -> None:
    inbound = parse(text(-200, words, chat_type="supergroup", user_id=7, **kwargs))
    assert (inbound.text if inbound else None) == expected


def test_a_reply_to_someone_else_in_a_group_is_not_for_the_bot() -> None:
    payload = text(-200, "d'accord", chat_type="group", user_id=7, reply_to_message_id=3)
    payload["message"]["reply_to_message"]["from"] = fake.user(8)
    assert parse(payload) is None


def test_a_staff_reply_in_the_staff_group_names_the_message_it_answers() -> None:
    payload = text(STAFF_GROUP, "Oui, au consulat.", chat_type="supergroup", user_id=1001,
                   reply_to_message_id=4321)  # fmt: skip
    inbound = parse(payload)
    assert inbound.address == f"telegram:{STAFF_GROUP}"
    assert inbound.user_id == "1001"  # staff are recognised by who writes, not by the chat
    assert inbound.user_name == "Awa"  # how the group is told who answered a ticket
    assert inbound.reply_to == "4321"
    assert inbound.text == "Oui, au consulat."


@pytest.mark.parametrize(
    ("field", "content", "kind"),
    [
        (
            "sticker",
            {
                "file_id": "s",
                "file_unique_id": "su",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
            "sticker",
        ),  # fmt: skip
        ("voice", {"file_id": "v", "file_unique_id": "vu", "duration": 2}, "voice"),
        ("location", {"latitude": 12.6, "longitude": -8.0}, "location"),
        ("contact", {"phone_number": "+22370000000", "first_name": "Awa"}, "contact"),
    ],
)
def test_anything_but_text_is_passed_on_as_its_kind(field, content, kind) -> None:
    message = fake.message(42, "")
    del message["text"]
    message[field] = content
    inbound = parse({"message": message})
    assert (inbound.kind, inbound.text) == (kind, "")
    # ... but in a group it is never for the bot.
    message["chat"] = {"id": -200, "type": "group", "title": "x"}
    assert parse({"message": message}) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"edited_message": {**fake.message(42, "menu"), "edit_date": int(time.time())}},
        {"channel_post": {**fake.message(-300, "annonce", chat_type="channel")}},
        {"message": {**fake.message(42, "bip"), "from": BOT}},  # another bot
        {"message": {k: v for k, v in fake.message(42, "x").items() if k != "text"}},  # service
    ],
)
def test_updates_the_bot_leaves_alone(payload) -> None:
    assert parse(payload) is None
