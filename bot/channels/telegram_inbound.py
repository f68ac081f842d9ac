"""Telegram updates -> the core's `Inbound`, or None for updates the bot leaves alone.

What the bot answers (the README's "Telegram" section says the same to staff):
- Private chats: every text message and every button press; anything else a person sends
  (sticker, photo, voice note, location, document, ...) becomes an `Inbound` of that `kind`, which
  the core answers with "I only understand text" and the menu, and stores.
- Groups: only messages addressed to the bot: a command (`/menu`, or `/menu@ThisBot`; a command
  for another bot is not ours), an @mention of the bot (removed from the text), a reply to one of
  the bot's messages, or a press on one of its buttons. In the staff group (`STAFF_CHAT_ID`) this
  is how staff answer a ticket: by replying to the bot's message, which `Inbound.reply_to` names.
  Other chatter, and anything but text, is ignored.
- Edited messages are ignored: answering an edit would answer the same question twice, and could
  take a second step in a flow the person already answered. People who fix a typo resend.
- Channel posts, messages from other bots and service messages (pins, members joining) are
  ignored.
"""

from __future__ import annotations

import re

from telegram import Message, Update

from bot.channels import fields
from handlers.vocabulary import Inbound
from knowledge.addresses import telegram_address

CHANNEL = "telegram"
# Display fields as far as we keep them (a name for staff's notes, a language code).
MAX_NAME = 200
MAX_LANGUAGE_CODE = 16
GROUP_TYPES = ("group", "supergroup")
# What a person can send instead of text, in the order we look for it (a venue is also a
# location; a video note is not a video). The core only needs to know it is not text.
MEDIA_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video_note",
    "animation",
    "video",
    "audio",
    "document",
    "venue",
    "location",
    "contact",
    "poll",
    "dice",
    "story",
    "game",
)
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@(\w+))?")


def media_kind(message: Message) -> str | None:
    """What the message carries instead of text; None for service messages."""
    for kind in MEDIA_KINDS:
        if getattr(message, kind, None):
            return kind
    return None


def inbound_from_update(update: Update, *, bot_username: str, bot_id: int) -> Inbound | None:
    """The update as the core's Inbound; None when the bot should not answer it (see above)."""
    if update.callback_query is not None:
        return _from_callback(update)
    message = update.message
    if message is None:  # edited messages, channel posts, membership changes, ...
        return None
    user = message.from_user
    if user is None or user.is_bot or message.chat.type == "channel":
        return None
    kind = "text" if message.text is not None else media_kind(message)
    if kind is None:
        return None
    text = message.text if kind == "text" else (message.caption or "")
    replied = message.reply_to_message
    if message.chat.type in GROUP_TYPES:
        if kind != "text":
            return None
        addressed = _addressed(text, replied, bot_username, bot_id)
        if addressed is None:
            return None
        text = addressed
    return Inbound(
        CHANNEL,
        telegram_address(message.chat.id),
        fields.text(text),
        provider_id=str(update.update_id),
        received_at=message.date,
        language_hint=fields.short(user.language_code, MAX_LANGUAGE_CODE),
        user_id=str(user.id),
        user_name=fields.short(user.full_name, MAX_NAME),
        reply_to=str(replied.message_id) if replied is not None else None,
        kind=kind,
    )


def _from_callback(update: Update) -> Inbound | None:
    """A button press is the same as typing the button's value (a router command)."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if query.data is None or message is None:  # a game button, or an inline-mode message
        return None
    return Inbound(
        CHANNEL,
        telegram_address(message.chat.id),
        fields.text(query.data),
        provider_id=str(update.update_id),
        language_hint=fields.short(query.from_user.language_code, MAX_LANGUAGE_CODE),
        user_id=str(query.from_user.id),
        user_name=fields.short(query.from_user.full_name, MAX_NAME),
    )


def _addressed(text: str, replied: Message | None, bot_username: str, bot_id: int) -> str | None:
    """In a group: the text meant for the bot (without its @mention), or None if not for us."""
    mention = re.compile(rf"(?<!\w)@{re.escape(bot_username)}\b[,:;]?", re.IGNORECASE)
    command = _COMMAND.match(text)
    if command:
        target = command.group(1)
        return text if target is None or target.lower() == bot_username.lower() else None
    if bot_username and mention.search(text):
        return re.sub(r"[ \t]{2,}", " ", mention.sub(" ", text)).strip()
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    return None


def chat_id_of(address: str) -> int:
    """'telegram:-100123' -> -100123; ValueError for any other address."""
    scheme, _, rest = address.partition(":")
    if scheme != CHANNEL:
        raise ValueError("not a Telegram address")
    return int(rest)
