"""Sending on Telegram: one message, the provider's errors mapped to a `SendResult`.

The one Telegram sender: used by the adapter for direct replies and by the outbox dispatcher
(through `TelegramSender`) for bulk and later messages, with one map of Telegram's errors.
Both go through the Application's bot; replies are limited (and a 429 retried) by its
`TelegramRateLimiter`, while the dispatcher's sends pass through it untouched: the dispatcher's
pacer is their only limit, and a 429 comes back to it at once (`bot/channels/telegram_limits.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.channels.base import SendResult
from bot.channels.telegram_inbound import CHANNEL, chat_id_of
from bot.channels.telegram_limits import PACED_BY_DISPATCHER, retry_after_seconds
from bot.channels.telegram_render import PARSE_MODE, html_text, keyboard, split_text
from handlers.vocabulary import Option
from knowledge.addresses import mask

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorRule:
    error: type[TelegramError]
    contains: str  # a lowercase part of Telegram's description; "" matches any
    code: str  # what the message log and the outbox keep (no personal data)
    permanent: bool  # retrying the same message cannot help
    unreachable: bool = False  # the person cannot be reached on Telegram any more
    uncertain: bool = False  # it may have arrived: the dispatcher marks it unknown, no retry


# First match wins, so the specific rules come first. BadRequest and TimedOut are NetworkErrors
# in PTB: they are listed before it. A RetryAfter (429) is handled apart: it carries a delay.
ERRORS: tuple[ErrorRule, ...] = (
    # 403: "bot was blocked by the user", "user is deactivated", "bot was kicked from the group"
    ErrorRule(Forbidden, "", "forbidden", permanent=True, unreachable=True),
    # 400 "chat not found": the chat was deleted, or never talked to the bot.
    ErrorRule(BadRequest, "chat not found", "chat_not_found", permanent=True, unreachable=True),
    ErrorRule(BadRequest, "", "bad_request", permanent=True),
    # A group became a supergroup under a new id: the old address is dead.
    ErrorRule(ChatMigrated, "", "chat_migrated", permanent=True, unreachable=True),
    # A configuration problem for every message, not this one's: retry once it is fixed.
    ErrorRule(InvalidToken, "", "invalid_token", permanent=False),
    # The message may or may not have arrived; a retry risks a duplicate, a give-up a loss.
    # A duplicate is the worse of the two for a broadcast: the outbox marks it `unknown` for staff.
    ErrorRule(TimedOut, "", "timeout", permanent=False, uncertain=True),
    ErrorRule(NetworkError, "", "network", permanent=False),
    ErrorRule(TelegramError, "", "telegram_error", permanent=False),
)


def result_for(error: TelegramError) -> SendResult:
    """Telegram's refusal as the dispatcher's `SendResult`."""
    if isinstance(error, RetryAfter):
        return SendResult(ok=False, error="rate_limited", retry_after=retry_after_seconds(error))
    description = str(error).lower()
    for rule in ERRORS:
        if isinstance(error, rule.error) and rule.contains in description:
            return SendResult(
                ok=False,
                error=rule.code,
                permanent=rule.permanent,
                unreachable=rule.unreachable,
                uncertain=rule.uncertain,
            )
    raise AssertionError("the last rule matches every TelegramError")  # pragma: no cover


def provider_message_id(chat_id: int, message_id: int) -> str:
    """The provider id kept on a stored outbound message: Telegram numbers messages per chat,
    and the message log wants one id per channel, so the chat is part of it."""
    return f"{chat_id}:{message_id}"


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    paced: bool = False,
) -> SendResult:
    """One message (plain text, escaped here), its Telegram message id as `provider_id`.

    `paced`: the caller (the dispatcher) paces this send and handles a 429 itself, so the
    bot's rate limiter lets it through without waiting or retrying."""
    limits: dict[str, Any] = {}
    if paced and isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        limits["rate_limit_args"] = PACED_BY_DISPATCHER
    try:
        message = await bot.send_message(
            chat_id, html_text(text), parse_mode=PARSE_MODE, reply_markup=markup, **limits
        )
    except TelegramError as error:
        result = result_for(error)
        logger.warning(
            "telegram send to %s failed: %s",
            mask(f"{CHANNEL}:{chat_id}"),
            result.error,
        )
        return result
    return SendResult(ok=True, provider_id=str(message.message_id))


class TelegramSender:
    """The outbox dispatcher's way to send on Telegram (see `bot.channels.base.Sender`).

    `provider_id` is Telegram's message id in that chat (what `Inbound.reply_to` names when
    someone replies to it: a ticket posted in the staff group). A text longer than one message
    goes in parts; the result is the first part's, or the first failure. A 429 comes back at
    once as `retry_after` in the result (the dispatcher pauses the channel and re-queues the
    row): nothing waits or retries inside the send.
    """

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(
        self, address: str, text: str, options: list[list[str]] | None = None
    ) -> SendResult:
        """`options` ([[label, value], ...]) become buttons under the last part."""
        try:
            chat_id = chat_id_of(address)
        except ValueError:
            return SendResult(ok=False, error="not_a_telegram_address", permanent=True)
        parts = split_text(text)
        if not parts:
            return SendResult(ok=False, error="empty_text", permanent=True)
        markup = keyboard([Option(label, value) for label, value in options or []])
        first: SendResult | None = None
        for n, part in enumerate(parts, 1):
            last = n == len(parts)
            result = await send_text(self.bot, chat_id, part, markup if last else None, paced=True)
            if not result.ok:
                return result
            first = first or result
        assert first is not None
        return first
