"""Telegram rendering, as PTB sends it: a recording `BaseRequest` shows the real Bot API calls."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from telegram import Bot
from telegram.error import TimedOut

from bot.channels.telegram_render import (
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    keyboard,
    render_telegram,
    split_text,
    utf16_len,
)
from bot.channels.telegram_send import TelegramSender, send_text
from handlers.vocabulary import Option, Reply
from knowledge.bundle import Knowledge
from storage.models import Contact
from tests.fakes.telegram_request import RecordingRequest

CHAT = 42


@pytest.fixture
def request_() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def bot(request_: RecordingRequest) -> AsyncIterator[Bot]:
    async with Bot("123:TEST", request=request_) as bot:
        yield bot


def contact(language: str = "fr") -> Contact:
    return Contact(address=f"telegram:{CHAT}", channel="telegram", language=language)


async def sent(
    bot: Bot, request: RecordingRequest, knowledge: Knowledge, *replies: Reply, lang: str = "fr"
) -> list[dict]:
    """The sendMessage calls PTB makes for these replies."""
    for out in render_telegram(list(replies), contact(lang), knowledge):
        result = await send_text(bot, CHAT, out.text, keyboard(out.options))
        assert result.ok
    return request.calls("sendMessage")


async def test_user_and_knowledge_text_is_escaped_html(bot, request_, knowledge) -> None:
    [message] = await sent(
        bot, request_, knowledge, Reply("<script>alert('x')</script> R&D <b>gras</b>")
    )
    assert message["parse_mode"] == "HTML"
    assert message["text"] == (
        "&lt;script&gt;alert('x')&lt;/script&gt; R&amp;D &lt;b&gt;gras&lt;/b&gt;"
    )
    assert int(message["chat_id"]) == CHAT


async def test_options_are_inline_buttons_whose_data_is_the_value(bot, request_, knowledge):
    options = (
        Option("English", "LANGUE en"),
        Option("Français", "LANGUE fr"),
        Option("Poser une question", "QUESTIONS"),
    )
    [message] = await sent(bot, request_, knowledge, Reply("Choisissez :", options))
    rows = message["reply_markup"]["inline_keyboard"]
    # Two short labels share a row; a longer one has its own.
    assert [[(b["text"], b["callback_data"]) for b in row] for row in rows] == [
        [("English", "LANGUE en"), ("Français", "LANGUE fr")],
        [("Poser une question", "QUESTIONS")],
    ]


async def test_a_reply_without_options_has_no_keyboard(bot, request_, knowledge) -> None:
    [message] = await sent(bot, request_, knowledge, Reply("Merci."))
    assert "reply_markup" not in message


async def test_10000_characters_split_at_paragraphs_buttons_on_the_last_part(
    bot, request_, knowledge
) -> None:
    paragraphs = [
        f"Paragraphe {i}. " + "Le consulat délivre le passeport. " * 8 for i in range(36)
    ]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 10_000
    messages = await sent(
        bot, request_, knowledge, Reply(text, (Option("Menu", "MENU"),)), Reply("Suite.")
    )
    parts = [m["text"] for m in messages[:-1]]
    assert len(parts) == 3
    assert all(utf16_len(part) <= MAX_TEXT for part in parts)
    # Every cut is between paragraphs: none is broken, none lost, in order.
    assert [p for part in parts for p in part.split("\n\n")] == [p.strip() for p in paragraphs]
    assert [("reply_markup" in m) for m in messages] == [False, False, True, False]
    assert messages[-1]["text"] == "Suite."


def test_a_paragraph_longer_than_a_message_is_cut_at_lines_then_words() -> None:
    lines = "\n".join(f"Ligne {i} : " + " ".join(["mot"] * 20) for i in range(100))
    parts = split_text(lines)
    assert len(parts) > 1 and all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert "\n".join(parts).split("\n") == lines.split("\n")

    words = " ".join(f"mot{i}" for i in range(2500))  # one line, ~17,000 characters
    parts = split_text(words)
    assert len(parts) == 5 and all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert " ".join(parts).split() == words.split()


def test_a_word_longer_than_a_message_is_cut_without_breaking_an_emoji() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units: Telegram counts an emoji twice
    parts = split_text(text)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_a_value_too_long_for_a_button_is_offered_as_text(knowledge) -> None:
    fits = "F" * MAX_CALLBACK_DATA
    too_long = "FAQ " + "x" * MAX_CALLBACK_DATA
    accents = "é" * 33  # 66 bytes in UTF-8, though 33 characters
    reply = Reply(
        "Choisissez :",
        (Option("Court", fits), Option("Long", too_long), Option("Accents", accents)),
    )
    [out] = render_telegram([reply], contact(), knowledge)
    assert [o.value for o in out.options] == [fits]
    assert f"Long : écrivez {too_long}" in out.text
    assert f"Accents : écrivez {accents}" in out.text
    markup = keyboard(out.options)
    assert markup is not None
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == [fits]


def test_an_empty_reply_sends_nothing_and_buttons_never_go_without_text(knowledge) -> None:
    assert render_telegram([Reply("  ")], contact(), knowledge) == []
    [out] = render_telegram([Reply("", (Option("Menu", "MENU"),))], contact("en"), knowledge)
    assert out.text == knowledge.locales.t("en", "menu.title")
    assert out.options == (Option("Menu", "MENU"),)


async def test_the_sender_escapes_and_returns_the_message_id(bot, request_) -> None:
    result = await TelegramSender(bot).send(f"telegram:{CHAT}", "1 < 2 & 3 > 2")
    assert result.ok and result.provider_id == "1"
    assert request_.calls("sendMessage")[0]["text"] == "1 &lt; 2 &amp; 3 &gt; 2"


async def test_the_sender_refuses_other_addresses_without_a_call(bot, request_) -> None:
    result = await TelegramSender(bot).send("tel:+22376123456", "Bonjour")
    assert not result.ok and result.permanent
    assert request_.calls("sendMessage") == []


@pytest.mark.parametrize(
    ("status", "description", "parameters", "expected"),
    [
        (
            403,
            "Forbidden: bot was blocked by the user",
            {},
            {"error": "forbidden", "permanent": True, "unreachable": True},
        ),
        (
            403,
            "Forbidden: user is deactivated",
            {},
            {"error": "forbidden", "permanent": True, "unreachable": True},
        ),
        (
            400,
            "Bad Request: chat not found",
            {},
            {"error": "chat_not_found", "permanent": True, "unreachable": True},
        ),
        (
            400,
            "Bad Request: message is too long",
            {},
            {"error": "bad_request", "permanent": True, "unreachable": False},
        ),
        (
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": -1001},
            {"error": "chat_migrated", "permanent": True, "unreachable": True},
        ),
        (
            429,
            "Too Many Requests: retry after 7",
            {"retry_after": 7},
            {"error": "rate_limited", "permanent": False, "retry_after": 7.0},
        ),
        (
            502,
            "Bad Gateway",
            {},
            {"error": "network", "permanent": False, "unreachable": False},
        ),
    ],
)
async def test_provider_errors_map_to_send_results(
    bot, request_, status, description, parameters, expected
) -> None:
    request_.fail_next(status, description, **parameters)
    result = await TelegramSender(bot).send(f"telegram:{CHAT}", "Bonjour")
    assert not result.ok
    for field, value in expected.items():
        assert getattr(result, field) == value, field


async def test_a_timeout_is_transient(bot, request_) -> None:
    request_.break_next(TimedOut())
    result = await TelegramSender(bot).send(f"telegram:{CHAT}", "Bonjour")
    assert (result.ok, result.error, result.permanent) == (False, "timeout", False)
    request_.break_next()
    result = await TelegramSender(bot).send(f"telegram:{CHAT}", "Bonjour")
    assert (result.ok, result.error, result.permanent) == (False, "network", False)


def test_every_faq_entry_fits_a_deep_link_and_a_button() -> None:
    """start=faq_<id> (Telegram: at most 64 of A-Z a-z 0-9 _ -) and the button "FAQ <id>"."""
    ids = [
        entry["id"]
        for path in sorted(Path("knowledge/faq").glob("*.yaml"))
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    ]
    assert len(ids) > 20
    for entry_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,60}", entry_id), entry_id
        assert len(f"FAQ {entry_id}".encode()) <= MAX_CALLBACK_DATA
