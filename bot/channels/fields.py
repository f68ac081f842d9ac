"""What a provider's field may hold before it goes anywhere near the database.

Every webhook field is checked here against what the provider really sends and what our columns
hold on every engine: PostgreSQL refuses a string longer than its column, a NUL character, a lone
surrogate or an integer beyond its type, where SQLite stores them all. An input that passes these
checks behaves the same on both engines; one that fails is refused by the adapter with a 4xx (or
left out, for fields we only log), never a 500.
"""

from __future__ import annotations

import re

from storage.messages import MAX_STORED_TEXT

# Message.provider_id and OutboxItem.provider_id are String(64). Twilio's SIDs are 34 characters
# (two letters, 32 hex digits); other providers' ids are digits or short tokens.
MAX_PROVIDER_ID = 64
_PROVIDER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# Message.error_code is String(32); Twilio's error codes are 5-digit numbers.
_ERROR_CODE = re.compile(r"[0-9]{1,10}")
# Our message ids are BIGINT on PostgreSQL, INTEGER (8 bytes) on SQLite.
MAX_ROW_ID = 2**63 - 1
_ROW_ID = re.compile(r"[0-9]{1,19}")
# Telegram: "at most 52 significant bits, so a 64-bit integer or double-precision float type are
# safe for storing this identifier" (Bot API, Chat.id and User.id).
MAX_TELEGRAM_ID = 2**52
# Text no column can hold: NUL (PostgreSQL text) and lone surrogates (no UTF-8 encoding: the
# driver fails to send them). JSON may carry both (\u0000, \ud800).
_SURROGATE = re.compile("[\ud800-\udfff]")


def provider_id(value: str | None) -> str | None:
    """A provider's message id as we store it, or None if it cannot be one."""
    if value is None:
        return None
    value = value.strip()
    return value if _PROVIDER_ID.fullmatch(value) else None


def error_code(value: str | None) -> str | None:
    """A provider's numeric error code, or None (absent, or not a code)."""
    value = (value or "").strip()
    return value if _ERROR_CODE.fullmatch(value) else None


def row_id(value: str | None) -> int | None:
    """One of our row ids echoed back in a URL, or None if it cannot be one (ASCII digits only:
    `str.isdigit` also accepts '²', which `int` refuses)."""
    value = (value or "").strip()
    if not _ROW_ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ROW_ID else None


def telegram_id(value: object) -> int | None:
    """A Telegram chat or user id: a JSON integer (not a boolean) within 52 bits, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if abs(value) <= MAX_TELEGRAM_ID else None


def text(value: str) -> str:
    """A person's text as every engine can store it: cut to what we keep, NUL removed (it is
    nothing anyone typed), lone surrogates replaced by U+FFFD; the rest kept as it came (the core
    cleans it)."""
    return _SURROGATE.sub("\ufffd", value[:MAX_STORED_TEXT].replace("\x00", ""))


def short(value: str | None, limit: int) -> str | None:
    """An optional display field (a name, a language code) cut to `limit` characters."""
    if value is None:
        return None
    return text(value)[:limit] or None


# Telegram update fields that carry a message, and the paths to its chat inside each.
_TELEGRAM_MESSAGES = ("message", "edited_message", "channel_post", "edited_channel_post")


def telegram_update_problem(payload: object) -> str | None:
    """Why this JSON cannot be a Telegram update we act on, or None if it can.

    Telegram always sends an integer update_id, and a chat with an integer id in every message;
    a body without them is not from Telegram (or is damaged), and would fail later, inside the
    update's task, where nobody is told.
    """
    if not isinstance(payload, dict):
        return "not a JSON object"
    update_id = payload.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int) or update_id < 0:
        return "no numeric update_id"
    if update_id > MAX_ROW_ID:
        return "update_id out of range"
    for key in _TELEGRAM_MESSAGES:
        if key in payload and (problem := _message_problem(payload[key])):
            return f"{key}: {problem}"
    query = payload.get("callback_query")
    if query is not None:
        if not isinstance(query, dict) or not isinstance(query.get("from"), dict):
            return "callback_query without a sender"
        if telegram_id(query["from"].get("id")) is None:
            return "callback_query: sender id is not a number"
        if "message" in query and (problem := _message_problem(query["message"])):
            return f"callback_query.message: {problem}"
    member = payload.get("my_chat_member")
    if member is not None and (not isinstance(member, dict) or _chat_problem(member.get("chat"))):
        return "my_chat_member: no numeric chat id"
    return None


def _message_problem(message: object) -> str | None:
    if not isinstance(message, dict):
        return "not an object"
    if problem := _chat_problem(message.get("chat")):
        return problem
    sender = message.get("from")
    if sender is not None and (
        not isinstance(sender, dict) or telegram_id(sender.get("id")) is None
    ):
        return "sender id is not a number"
    return None


def _chat_problem(chat: object) -> str | None:
    if not isinstance(chat, dict):
        return "no chat"
    if telegram_id(chat.get("id")) is None:
        return "chat id is not a number"
    return None
