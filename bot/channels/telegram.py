"""The Telegram channel: a python-telegram-bot 22 Application around the one conversation.

Updates become `Inbound`s (`telegram_inbound`), the core answers, replies are rendered
(`telegram_render`) and sent through the Application's bot with its `TelegramRateLimiter`; the
Telegram message id and the outcome are then recorded on each stored outbound message.

Two modes inside `diaspora-bot run`:
- long polling when `PUBLIC_URL` is empty (a laptop, a server without a public address);
- a webhook when it is set: Telegram POSTs to `{PUBLIC_URL}/telegram/webhook`, a route of the
  one Starlette app, as in PTB's custom-webhook example (`updater(None)`, updates put into
  `application.update_queue`).

PTB keeps no state of ours (no persistence): contacts, flows and messages are in the database.

Button presses: the callback query is always answered (a stale button after a restart is just
text for the router). The pressed message is then edited: its buttons are removed and the choice
is written under it ("→ Double nationalité"), so the chat reads as a transcript and an old menu
cannot be pressed twice by mistake. The answer always comes as new messages: editing it into the
pressed message would erase what the person was reading.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.channels import fields
from bot.channels.telegram_inbound import CHANNEL, inbound_from_update
from bot.channels.telegram_limits import TelegramRateLimiter
from bot.channels.telegram_render import (
    MAX_TEXT,
    PARSE_MODE,
    html_text,
    keyboard,
    render_telegram,
    utf16_len,
)
from bot.channels.telegram_send import (
    TelegramSender,
    provider_message_id,
    send_text,
)
from bot.channels.telegram_updates import ChatOrderedProcessor
from bot.conversation import Outgoing, Turn
from bot.dispatcher import REPLY_KIND
from bot.services import Services
from knowledge.addresses import mask, telegram_address
from storage import contacts, delivery, outbox
from storage.models import Contact
from storage.models import Message as StoredMessage

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
# Telegram sends the secret given to setWebhook in this header on every call.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# setMyCommands' language_code: "A two-letter ISO 639-1 language code" (Bot API). A language
# without one (Soninke, snk) cannot have its own command menu: its speakers get the default one.
_COMMAND_MENU_LANGUAGE = re.compile(r"^[a-z]{2}$")
# A 429 on a reply is retried this many times (after its retry_after); then the reply goes to
# the outbox, which retries later.
RATE_LIMIT_RETRIES = 3


class TelegramConfigError(ValueError):
    """The settings cannot run Telegram as asked (said at start, in plain words)."""


class TelegramChannel:
    """The Telegram `ChannelService` for `diaspora-bot run`."""

    name = CHANNEL

    def __init__(
        self,
        services: Services,
        *,
        request: BaseRequest | None = None,
        get_updates_request: BaseRequest | None = None,
    ) -> None:
        settings = services.settings
        token = settings.telegram_bot_token.get_secret_value()
        if not token:
            raise TelegramConfigError("TELEGRAM_BOT_TOKEN is empty")
        self.services = services
        self.webhook_url = f"{settings.public_url}{WEBHOOK_PATH}" if settings.public_url else None
        secret = settings.telegram_webhook_secret.get_secret_value()
        self._secret = secret.encode()
        if self.webhook_url and not _SECRET_FORMAT.match(secret):
            raise TelegramConfigError(
                "PUBLIC_URL is set, so Telegram would call a webhook: set TELEGRAM_WEBHOOK_SECRET"
                " to 1-256 characters among A-Z a-z 0-9 _ - (or leave PUBLIC_URL empty to poll)"
            )
        builder = (
            Application.builder()
            .token(token)
            .base_url(f"{settings.telegram_api_url.rstrip('/')}/bot")
            .base_file_url(f"{settings.telegram_api_url.rstrip('/')}/file/bot")
            .rate_limiter(
                TelegramRateLimiter(settings.telegram_max_rate, max_retries=RATE_LIMIT_RETRIES)
            )
            .concurrent_updates(ChatOrderedProcessor())
        )
        if request is not None:
            builder = builder.request(request)
        if get_updates_request is not None:
            builder = builder.get_updates_request(get_updates_request)
        if self.webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.sender = TelegramSender(self.application.bot)

    @property
    def bot(self):  # noqa: ANN201 - telegram.ext.ExtBot
        return self.application.bot

    # -- life -----------------------------------------------------------------------------

    def routes(self) -> list:
        if not self.webhook_url:
            return []
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    async def start(self) -> None:
        await self.application.initialize()  # getMe: the bot's id and username
        await self._set_commands()
        if self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url,
                secret_token=self._secret.decode(),
                allowed_updates=ALLOWED_UPDATES,
            )
            logger.info("telegram: webhook mode, @%s", self.bot.username)
        else:
            assert self.application.updater is not None
            # start_polling deletes any webhook first; pending updates are kept, not dropped.
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            logger.info("telegram: long polling, @%s", self.bot.username)
        await self.application.start()

    async def stop(self) -> None:
        """Stop fetching, finish the updates already received, then close."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _set_commands(self) -> None:
        """The command menu by the text box, in each language we speak, from the locale files;
        people whose Telegram language we do not speak, or whose language has no two-letter
        code for Telegram, see the default language's."""
        locales = self.services.knowledge.locales
        default = self.services.settings.default_language
        scopes = [(lang, lang) for lang in locales.languages if _COMMAND_MENU_LANGUAGE.match(lang)]
        scopes.append((None, default if locales.supports(default) else locales.default))
        for language_code, lang in scopes:
            commands = [
                BotCommand(item["command"], item["description"])
                for item in locales.raw(lang, "telegram.commands")
            ]
            try:
                await self.bot.set_my_commands(commands, language_code=language_code)
            except TelegramError as error:  # the bot works without its command menu
                logger.warning("telegram: setMyCommands(%s) failed: %s", language_code, error)

    # -- the webhook ----------------------------------------------------------------------

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        # Compare in a way that does not tell an attacker how much of the secret matched.
        if not hmac.compare_digest(given, self._secret):
            logger.warning("telegram webhook: wrong or missing secret token")
            return Response(status_code=403)
        try:
            payload = await request.json()
            problem = fields.telegram_update_problem(payload)
            update = None if problem else Update.de_json(payload, self.bot)
        except Exception:  # any body that is not an update: Telegram never sends one
            problem, update = "not JSON", None
        if not isinstance(update, Update):
            logger.warning("telegram webhook: a body that is not an update (%s)", problem)
            return Response(status_code=400)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    # -- one update -----------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle(update)
        except Exception:  # never let one update stop the others
            logger.exception("telegram: update %s failed", update.update_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The type, not the message: an error may quote what it was given (a text, a chat).
        logger.error("telegram: %s", type(context.error).__name__, exc_info=context.error)

    async def _handle(self, update: Update) -> None:
        if update.my_chat_member is not None:
            await self._membership(update)
            return
        query = update.callback_query
        if query is not None:
            await _quietly(query.answer(), "answerCallbackQuery")
        inbound = inbound_from_update(update, bot_username=self.bot.username, bot_id=self.bot.id)
        if inbound is None:
            return
        turn = await self.services.conversation.handle(inbound, render_telegram)
        outgoing = turn.outgoing
        if turn.duplicate:  # a delivery we handled before: send only what never went out
            outgoing = await self._unsent(outgoing)
        elif query is not None:
            await self._close_pressed(query, turn.language)
        chat_id = int(inbound.address.partition(":")[2])
        await self._deliver(chat_id, turn, outgoing)

    async def _close_pressed(self, query: CallbackQuery, lang: str | None) -> None:
        """Remove the pressed message's buttons and write the choice under it."""
        message = query.message
        if not isinstance(message, Message) or message.text is None:  # inaccessible: too old
            return
        label = next(
            (
                button.text
                for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
                for button in row
                if button.callback_data == query.data
            ),
            None,
        )
        if label is None:  # not one of its buttons any more: leave the message as it is
            return
        locales = self.services.knowledge.locales
        chosen = locales.t(lang or locales.default, "telegram.chosen", label=label)
        text = f"{message.text}\n\n{chosen}"
        if utf16_len(text) <= MAX_TEXT:
            # message.text, not text_html: we send plain escaped text, so nothing is lost.
            edit = message.edit_text(html_text(text), parse_mode=PARSE_MODE, reply_markup=None)
        else:
            edit = message.edit_reply_markup(reply_markup=None)
        await _quietly(edit, "editMessageText")

    async def _deliver(self, chat_id: int, turn: Turn, outgoing: list[Outgoing]) -> None:
        """Send the replies in order; record each one's Telegram id or failure.

        A failure that surely did not deliver and may pass (a network error, Telegram's 5xx)
        hands this reply and the ones after it to the outbox, which retries with backoff; a
        timeout may have delivered, so it is not sent again (see the outbox guarantee)."""
        outcomes: list[tuple[int | None, str, str | None, str | None]] = []
        unreachable = False
        failed: str | None = None
        retry: list[str] = []
        for index, out in enumerate(outgoing):
            if failed is not None:  # after a permanent failure the rest cannot go either
                outcomes.append((out.message_id, "failed", None, failed))
                continue
            result = await send_text(self.bot, chat_id, out.text, keyboard(out.options))
            if result.ok:
                pid = provider_message_id(chat_id, int(result.provider_id or 0))
                outcomes.append((out.message_id, "sent", pid, None))
                continue
            if not result.permanent and not result.uncertain:
                # The log keeps these attempts as failed; the outbox row (source reply:<id>)
                # and the message it logs once sent tell the rest.
                left = outgoing[index:]
                retry = [o.text for o in left]
                outcomes += [(o.message_id, "failed", None, result.error) for o in left]
                break
            outcomes.append((out.message_id, "failed", None, result.error))
            unreachable = unreachable or result.unreachable
            if result.permanent:
                failed = result.error
        await self._record(chat_id, turn, outcomes, unreachable, retry)

    async def _record(
        self,
        chat_id: int,
        turn: Turn,
        outcomes: list[tuple[int | None, str, str | None, str | None]],
        unreachable: bool,
        retry: list[str],
    ) -> None:
        now = self.services.conversation.config.clock()
        async with self.services.db.transaction() as session:
            for message_id, status, provider_id, error in outcomes:
                if message_id is not None:
                    await delivery.mark(
                        session, message_id, status, now, provider_id=provider_id, error_code=error
                    )
            if turn.contact_id is None:
                return
            contact = await session.get(Contact, turn.contact_id)
            if contact is None:
                return
            if unreachable and not contact.unreachable:
                logger.info("telegram: %s is unreachable", mask(telegram_address(chat_id)))
            # They just wrote to us: a delivered reply means they are reachable again.
            delivered = any(status == "sent" for _, status, _, _ in outcomes)
            contact.unreachable = unreachable or (contact.unreachable and not delivered)
            if retry:
                # One row for what is left of this turn, in order; the buttons do not travel
                # (an outbox row is text), MENU brings them back.
                await outbox.enqueue(
                    session,
                    contact,
                    "\n\n".join(retry),
                    kind=REPLY_KIND,
                    source=f"reply:{turn.inbound_id}",
                    dedupe_key=f"reply:{turn.inbound_id}",
                    now=now,
                )

    async def _unsent(self, outgoing: list[Outgoing]) -> list[Outgoing]:
        ids = [o.message_id for o in outgoing if o.message_id is not None]
        if not ids:
            return []
        async with self.services.db.transaction() as session:
            pending = set(
                await session.scalars(
                    select(StoredMessage.id).where(
                        StoredMessage.id.in_(ids), StoredMessage.status == "pending"
                    )
                )
            )
        return [o for o in outgoing if o.message_id in pending]

    async def _membership(self, update: Update) -> None:
        """A person blocking the bot (or unblocking it) in a private chat: we hear it at once,
        before any bulk message is refused."""
        change = update.my_chat_member
        assert change is not None
        if change.chat.type != "private":
            return
        status = change.new_chat_member.status
        if status not in (ChatMemberStatus.BANNED, ChatMemberStatus.MEMBER):
            return
        address = telegram_address(change.chat.id)
        async with self.services.db.transaction() as session:
            contact = await contacts.by_address(session, address)
            if contact is not None:
                contact.unreachable = status == ChatMemberStatus.BANNED
        logger.info("telegram: %s %s the bot", mask(address), status)


async def _quietly(call: Awaitable[Any], what: str) -> None:
    """A courtesy call (answer a press, tidy a message) whose failure must not cost the reply:
    a query too old to answer, a message already edited or deleted."""
    try:
        await call
    except BadRequest as error:
        logger.debug("telegram: %s refused: %s", what, error)
    except TelegramError as error:
        logger.warning("telegram: %s failed: %s", what, error)
