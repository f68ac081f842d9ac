"""One path for every message: Inbound -> stored -> router -> handlers -> Replies -> rendered ->
stored. Every channel adapter (console, SMS, Telegram) calls `Conversation.handle`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from handlers import limits
from handlers.context import (
    ANSWERED_ENTRY,
    FIRST_AND_WHOLE,
    KEEP_LIST,
    Context,
    HandlerConfig,
    MenuItem,
)
from handlers.router import Route, Router, chosen_option
from handlers.routes import MENU, build_router
from handlers.vocabulary import Inbound, Option, Reply
from knowledge.addresses import mask
from knowledge.bundle import Knowledge
from knowledge.text import clean
from storage import contacts, messages
from storage.db import Database
from storage.models import Contact

logger = logging.getLogger(__name__)

# A newcomer's first message, whatever it is (a question, "slt", a keyword, a sticker), gets one
# line saying what the service is above its answer (issue 13). Only "before" routes (the staff
# group), a flood's slow-down notice and an empty reply list (STOP on SMS, answered by Twilio)
# get none.
UNWELCOMED_ROUTES = ("before", "limit")
# "Last seen" is kept to the minute: quick turns of one conversation write it once, and a turn
# that changes nothing else on the contact does not rewrite its row.
LAST_SEEN_STEP = timedelta(minutes=1)
# Longest wait for the FAQ's sentence embeddings before a first answer; past it (a machine far
# slower than expected) answers use words alone until they are ready.
READY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Outgoing:
    """A reply as the channel will show it; `text` is also what the message log keeps."""

    text: str
    options: tuple[Option, ...] = ()
    message_id: int | None = None  # the stored outbound message, to record the provider's id

    def to_json(self) -> dict:
        return Reply(self.text, self.options).to_json()


# A channel's rendering: the core's replies -> what it sends. It may keep state on the contact
# (SMS keeps what did not fit, for PLUS).
Renderer = Callable[[list[Reply], Contact, Knowledge], list[Outgoing]]


def render_plain(replies: list[Reply], contact: Contact, knowledge: Knowledge) -> list[Outgoing]:
    return [Outgoing(reply.text, reply.options) for reply in replies]


@dataclass(frozen=True)
class Turn:
    """What one inbound message produced."""

    inbound_id: int
    outgoing: list[Outgoing]
    duplicate: bool = False  # a provider's retry: the stored replies are returned again
    route: Route | None = None
    contact_id: int | None = None  # None when the person just erased their data
    language: str | None = None


class Conversation:
    def __init__(
        self,
        db: Database,
        knowledge: Knowledge,
        config: HandlerConfig | None = None,
        *,
        menu: tuple[MenuItem, ...] = MENU,
        router: Router | None = None,
    ) -> None:
        self.db = db
        self.knowledge = knowledge
        self.config = config or HandlerConfig()
        self.menu = menu
        self.router = router or build_router(knowledge)
        self._ready = False

    async def ready(self) -> None:
        """Wait (once) until the FAQ's sentence embeddings are usable, so that no answer is
        given by a lesser engine than later ones (issue 13). Immediate without embeddings."""
        if not self._ready:
            await asyncio.to_thread(self.knowledge.faq.wait_until_ready, READY_TIMEOUT)
            self._ready = True

    async def handle(
        self, inbound: Inbound, render: Renderer = render_plain, *, reply_status: str = "pending"
    ) -> Turn:
        """`reply_status`: how the replies are stored; a channel that hands them over in its
        webhook response (TwiML) stores them as handed in the same transaction."""
        await self.ready()
        try:
            try:
                return await self._handle(inbound, render, reply_status)
            except IntegrityError:
                # The provider's retry of a message already stored (uq_messages_provider): the
                # insert is how duplicates are found, so that first deliveries pay for no
                # lookup. Or two first messages of one newcomer raced for their contact row.
                if inbound.provider_id is not None:
                    replayed = await self._replay(inbound)
                    if replayed is not None:
                        return replayed
                logger.info("a message from %s raced another; again", mask(inbound.address))
                return await self._handle(inbound, render, reply_status)
        except Exception:
            # A bug must cost the person an apology, not their message.
            logger.exception("failed to handle a message from %s", mask(inbound.address))
            if inbound.provider_id is not None:
                # A concurrent delivery of the same message may have stored it meanwhile: its
                # replies, not a second copy (which the unique provider id would refuse).
                replayed = await self._replay(inbound)
                if replayed is not None:
                    return replayed
            return await self._apologise(inbound, reply_status)

    async def _replay(self, inbound: Inbound) -> Turn | None:
        """The replies stored for a message already handled, or None if it was not stored."""
        assert inbound.provider_id is not None
        async with self.db.transaction() as session:
            earlier = await messages.find_inbound(session, inbound.channel, inbound.provider_id)
            if earlier is None:
                return None
            stored = await messages.replies_to(session, earlier.id)
        logger.info("duplicate delivery from %s; replaying", mask(inbound.address))
        return Turn(
            earlier.id,
            [Outgoing(m.text, message_id=m.id) for m in stored],
            duplicate=True,
            contact_id=earlier.contact_id,
        )

    async def _apologise(self, inbound: Inbound, reply_status: str) -> Turn:
        now = self.config.clock()
        async with self.db.transaction() as session:
            contact, _ = await contacts.get_or_create(
                session, inbound.address, inbound.channel, self.config.default_language, now
            )
            if contact.unreachable:
                contact.unreachable = False  # as in _handle, whose transaction was undone
            inbound_id = await messages.insert_inbound(
                session,
                contact.id,
                inbound.channel,
                _logged_text(inbound),
                inbound.provider_id,
                now,
                status="error",
            )
            text = self.knowledge.locales.t(contact.language, "input.error")
            (reply_id,) = await messages.insert_replies(
                session,
                contact.id,
                inbound.channel,
                [text],
                now,
                status=reply_status,
                reply_to_id=inbound_id,
            )
        return Turn(
            inbound_id,
            [Outgoing(text, message_id=reply_id)],
            contact_id=contact.id,
            route=Route("guard", "error"),
        )

    async def _handle(self, inbound: Inbound, render: Renderer, reply_status: str) -> Turn:
        """One transaction, few statements: the contact and their flow in one query, the
        inbound message inserted at once (a duplicate fails there, before any handler runs),
        the handlers' own queries, the replies in one INSERT, the contact's changes in the
        commit's flush."""
        now = self.config.clock()
        text = clean(inbound.text)
        async with self.db.transaction() as session:
            contact, flow = await contacts.with_flow(session, inbound.address)
            is_new = contact is None
            if contact is None:
                language = self._first_language(inbound, text)
                contact = await contacts.create(
                    session, inbound.address, inbound.channel, language, now
                )
            inbound_id = await messages.insert_inbound(
                session,
                contact.id,
                inbound.channel,
                _logged_text(inbound),
                inbound.provider_id,
                now,
            )
            if contact.last_seen_at is None or now - contact.last_seen_at >= LAST_SEEN_STEP:
                contact.last_seen_at = now
            if contact.unreachable:
                # They just wrote from this address: it reaches them again. Set only when
                # true, so the turn's UPDATE of the contact carries nothing more otherwise.
                contact.unreachable = False
            ctx = Context(
                session=session,
                contact=contact,
                inbound=inbound,
                knowledge=self.knowledge,
                config=self.config,
                menu_items=self.menu,
                now=now,
                text=chosen_option(text, contact.last_options) or text,
                flow=flow,
                is_new=is_new,
                router=self.router,
            )
            verdict = await limits.check_inbound(ctx, inbound_id)
            if verdict is None:
                replies, route = await self._route(ctx, text)
            else:  # stored; the one polite notice, or nothing until the window passes
                replies = [Reply(ctx.t("limits.slow_down"))] if verdict.notice else []
                route = Route("limit", verdict.name)
            # No reply is a choice (STOP on SMS is Twilio's to answer): not even a welcome.
            urgent = ctx.extra.get(FIRST_AND_WHOLE)
            if is_new and replies and route.kind not in UNWELCOMED_ROUTES and not urgent:
                welcome = Reply(
                    ctx.t("conversations.first_contact"),
                    sms_text=ctx.t("conversations.first_contact_sms"),
                )
                replies = [welcome, *replies]
            if ctx.deleted:
                outgoing = render_plain(replies, contact, self.knowledge)
                contact_id = None
            else:
                # A number means an option of the last list shown. Replies that show none keep
                # it when they do not change the subject (PLUS, AIDE, "ok", a wrong number).
                shown = _last_options(replies)
                if shown is not None or not ctx.extra.get(KEEP_LIST):
                    contact.last_options = shown
                outgoing = render(replies, contact, self.knowledge)
                contact_id = contact.id
            stored_out = await messages.insert_replies(
                session,
                contact_id,
                inbound.channel,
                [o.text for o in outgoing],
                now,
                status=reply_status,
                reply_to_id=None if ctx.deleted else inbound_id,
                # Staff trying the bot in the simulator are not people asking: not counted
                # among the most asked entries (their contact is a staff chat).
                entry_id=None if contact.staff_chat else ctx.extra.get(ANSWERED_ENTRY),
            )
            language = None if ctx.deleted else contact.language
        if logger.isEnabledFor(logging.INFO):  # mask() is not free; most runs log at WARNING
            logger.info(
                "%s %s -> %s:%s, %d replies",
                inbound.channel,
                mask(inbound.address),
                route.kind,
                route.name,
                len(outgoing),
            )
        return Turn(
            inbound_id,
            [
                Outgoing(o.text, o.options, message_id)
                for o, message_id in zip(outgoing, stored_out, strict=True)
            ],
            route=route,
            contact_id=contact_id,
            language=language,
        )

    async def _route(self, ctx: Context, text: str) -> tuple[list[Reply], Route]:
        """Input guards and flow expiry, then the router."""
        notices: list[Reply] = []
        if ctx.flow is not None and ctx.flow.expires_at <= ctx.now:
            await ctx.end_flow()
            notices.append(Reply(ctx.t("flow.expired")))
        if ctx.inbound.kind != "text":
            return [*notices, ctx.menu(ctx.t("input.not_text"))], Route("guard", "not_text")
        if not text:
            return [*notices, ctx.menu(ctx.t("input.empty"))], Route("guard", "empty")
        if len(text) > self.config.max_text_length:
            limit = self.config.max_text_length
            reply = Reply(ctx.t("input.too_long", length=len(text), limit=limit))
            return [*notices, reply], Route("guard", "too_long")
        replies, route = await self.router.route(ctx)
        return [*notices, *replies], route

    def _first_language(self, inbound: Inbound, text: str) -> str:
        """A newcomer's language: what their Telegram app says, else what they wrote in."""
        locales = self.knowledge.locales
        hint = (inbound.language_hint or "").split("-")[0].lower()
        if locales.supports(hint):
            return hint
        if len(text) > self.config.max_text_length:  # refused anyway; not evidence of anything
            return self.config.default_language
        if self.knowledge.unread_language(text):  # "n be taa bamako sini" is not English
            return self.config.default_language
        return self.knowledge.detect_language(text, self.config.default_language)


def _logged_text(inbound: Inbound) -> str:
    """What the message log keeps: the text, or "[sticker]" (with any caption) for the rest."""
    if inbound.kind == "text":
        return inbound.text
    return f"[{inbound.kind}] {inbound.text}".strip()


def _last_options(replies: list[Reply]) -> list[list[str]] | None:
    """The options a number refers to next time: those of the last reply that offered any."""
    for reply in reversed(replies):
        if reply.options:
            return [[option.label, option.value] for option in reply.options]
    return None
