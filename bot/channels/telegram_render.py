"""Render the core's replies as Telegram messages: escaped HTML, inline buttons, 4,096-char parts.

Two steps, so that the message log keeps plain text:
- `render_telegram` (a `Renderer`, run inside the conversation's transaction) splits each reply
  into parts Telegram accepts and decides which options become buttons; its `Outgoing.text` is
  the plain text that is stored.
- `html_text` and `keyboard` turn one stored part into what `sendMessage` receives.

Every piece of text is escaped: FAQ answers and UI strings are plain text, and a person's own
words (echoed in a ticket, a name) must never be read as markup. Markdown is never used: one
stray `_` in a question would make Telegram refuse the whole message.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.xml_chars import xml_safe
from bot.conversation import Outgoing
from handlers.vocabulary import Option, Reply
from knowledge.bundle import Knowledge
from storage.models import Contact

PARSE_MODE = "HTML"
# Telegram's limit on a message's text, counted in UTF-16 code units after entity parsing.
MAX_TEXT = 4096
# Telegram's limit on a button's callback_data, in bytes. Our option values are short commands
# ("FAQ nationality_dual", "LANGUE en"), so this is a guard, not a routine case: a value that does
# not fit cannot be a button (a hash map to short keys would not survive a restart), so it is
# offered as text the person can send instead.
MAX_CALLBACK_DATA = 64
# Two buttons share a row when both labels are this short ("English" | "Français").
SHORT_LABEL = 16
# Where a part may be cut, best first: paragraphs, lines, words.
_SEPARATORS = ("\n\n", "\n", " ")


def utf16_len(text: str) -> int:
    """Telegram's measure of text length: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def fits_callback_data(value: str) -> bool:
    return 0 < len(value.encode("utf-8")) <= MAX_CALLBACK_DATA


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units, cut at paragraph boundaries, then at
    line ends, then between words; only a single word longer than a message is cut inside."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    parts = _split(text.strip(), _SEPARATORS, limit)
    return [p for p in (part.strip() for part in parts) if p]


def _split(text: str, separators: Sequence[str], limit: int) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    separator, finer = separators[0], separators[1:]
    parts: list[str] = []
    current = ""
    for piece in text.split(separator):
        joined = f"{current}{separator}{piece}" if current else piece
        if utf16_len(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        if utf16_len(piece) <= limit:
            current = piece
        else:
            *whole, current = _split(piece, finer, limit)
            parts.extend(whole)
    if current:
        parts.append(current)
    return parts


def _hard_cut(text: str, limit: int) -> list[str]:
    """Cut between code points, never inside a surrogate pair (an emoji stays whole)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return parts


def render_telegram(
    replies: list[Reply], contact: Contact, knowledge: Knowledge
) -> list[Outgoing]:
    """Each reply as one or more Telegram messages; its buttons ride on its last part."""
    outgoing: list[Outgoing] = []
    for reply in replies:
        buttons = tuple(o for o in reply.options if fits_callback_data(o.value))
        typed = [o for o in reply.options if not fits_callback_data(o.value)]
        text = reply.text.strip()
        if typed:
            lines = (
                knowledge.locales.t(
                    contact.language, "telegram.type_option", label=o.label, value=o.value
                )
                for o in typed
            )
            text = "\n".join([text, *lines]).strip()
        parts = split_text(text)
        if not parts:
            if not buttons:
                continue  # Telegram refuses an empty message, and there is nothing to show
            parts = [knowledge.locales.t(contact.language, "menu.title")]
        outgoing += [Outgoing(part) for part in parts[:-1]]
        outgoing.append(Outgoing(parts[-1], buttons))
    return outgoing


def html_text(text: str) -> str:
    """Plain text as Telegram HTML: <, > and & escaped, nothing else is markup."""
    return html.escape(xml_safe(text), quote=False)


def keyboard(options: Sequence[Option]) -> InlineKeyboardMarkup | None:
    """Options as inline buttons whose callback_data is the option's value (a router command),
    so that a press means the same as typing the value, even after a restart."""
    buttons = [
        InlineKeyboardButton(xml_safe(option.label)[:MAX_TEXT], callback_data=option.value)
        for option in options
        if fits_callback_data(option.value)
    ]
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        previous = rows[-1] if rows else None
        if (
            previous is not None
            and len(previous) == 1
            and len(previous[0].text) <= SHORT_LABEL
            and len(button.text) <= SHORT_LABEL
        ):
            previous.append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows)
