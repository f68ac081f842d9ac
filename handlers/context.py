"""What a handler is given: the person, their message, their flow, the knowledge, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.limits import OFF, CostLimits
from handlers.vocabulary import Inbound, Option, Reply
from knowledge import gsm7
from knowledge.bundle import Knowledge
from knowledge.locales import render
from storage import flows
from storage.models import Contact, FlowState, utcnow

# Set in Context.extra by a handler whose replies show no list but do not change what a number
# means (PLUS, AIDE, small talk): the last list's numbers stay valid.
KEEP_LIST = "keep_list"
# Set by a handler whose first reply must arrive first and whole (an urgent request's
# confirmation): no first-contact line before it.
FIRST_AND_WHOLE = "first_and_whole"
# Set by the FAQ to the entry it answered in full (not the alternatives offered beside it): the
# turn's first stored reply records it, for the overview's most asked entries.
ANSWERED_ENTRY = "answered_entry"


@dataclass(frozen=True)
class HandlerConfig:
    """Settings the conversation needs; the composition root fills it from the environment."""

    default_language: str = "fr"
    default_region: str = "ML"
    flow_ttl: timedelta = timedelta(hours=24)
    # Longest message we act on: SMS concatenation stops at 1,600 characters on Twilio, and a
    # real question is far shorter. Longer text is stored (up to 10,000) and politely refused.
    max_text_length: int = 1600
    sms_max_segments: int = 2  # SMS_MAX_SEGMENTS: what optional lines must fit in (issue 13)
    staff_admins: frozenset[str] = frozenset()  # Telegram user ids
    staff_agents: frozenset[str] = frozenset()  # may answer tickets, may not broadcast
    staff_chat_id: str = ""  # the staff's Telegram group, where new tickets appear
    limits: CostLimits = OFF  # what one sender may cost (handlers/limits.py); settings set it
    poll_invitation_interval: timedelta = timedelta(days=7)  # one poll invitation a week
    clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class MenuItem:
    label_key: str  # a UI string key
    value: str  # what choosing it sends through the router


@dataclass
class Context:
    session: AsyncSession
    contact: Contact
    inbound: Inbound
    knowledge: Knowledge
    config: HandlerConfig
    menu_items: tuple[MenuItem, ...]
    now: datetime
    text: str  # the message, cleaned, with a chosen option's number replaced by its value
    flow: FlowState | None = None
    is_new: bool = False
    args: str = ""  # what follows a keyword that takes an argument ("LANGUE en")
    deleted: bool = False  # the person erased their data during this turn
    router: Any = None  # handlers.router.Router: lets a handler re-route a rewritten message
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.contact.language

    @property
    def channel(self) -> str:
        return self.inbound.channel

    def t(self, key: str, lang: str | None = None, /, **values: Any) -> str:
        language = lang or self.lang
        text, used = self.knowledge.locales.resolve(language, key)
        self._came_from(language, used)
        return render(text, values)

    def content(self, key: str, sources: dict[str, str], lang: str | None = None) -> str:
        """A knowledge text (an FAQ answer: key "faq.<id>.answer", sources entry.answer) in the
        person's language, or in its fallback when it is not translated and reviewed yet."""
        language = lang or self.lang
        text, used = self.knowledge.locales.content(language, key, sources)
        if text is None or used is None:
            raise KeyError(f"no text for {key!r} in any language")
        self._came_from(language, used)
        return text

    def _came_from(self, language: str, used: str) -> None:
        # A translated language's text that came from its fallback: the turn ends with a note,
        # once per person (handlers/languages.py). A source language missing a key is kb
        # check's business, not the person's.
        if used != language and language in self.knowledge.locales.packs:
            self.extra["fell_back"] = (language, used)

    def option(self, key: str, value: str, lang: str | None = None) -> Option:
        return Option(self.t(key, lang), value)

    def menu(self, text: str | None = None, lang: str | None = None) -> Reply:
        """The main menu, with `text` (or the menu's title) above it."""
        return Reply(
            text or self.t("menu.title", lang),
            tuple(self.option(item.label_key, item.value, lang) for item in self.menu_items),
        )

    def fits_sms(self, replies: list[Reply]) -> bool:
        """Whether these replies, their texts and numbered options, fit the SMS segment budget
        (what does not fit waits for PLUS: a handler may choose what comes first)."""
        lines: list[str] = []
        numbered = 0  # options are numbered across the replies, as the SMS renderer does
        for reply in replies:
            lines.append(reply.sms_text or reply.text)
            for option in reply.options:
                numbered += 1
                lines.append(f"{numbered}. {option.label}")
        body = gsm7.transliterate("\n".join(lines))
        return gsm7.segments(body).segments <= self.config.sms_max_segments

    def is_staff(self, *, admin: bool = False) -> bool:
        """Staff are recognised by their Telegram user id only: no text a person types can
        make them staff, and in a group chat it is the sender, not the chat, that counts."""
        if self.inbound.channel != "telegram" or self.inbound.user_id is None:
            return False
        if self.inbound.user_id in self.config.staff_admins:
            return True
        return not admin and self.inbound.user_id in self.config.staff_agents

    async def start_flow(self, flow: str, step: str, data: dict | None = None) -> None:
        self.flow = await flows.save(
            self.session, self.contact.id, flow, step, data or {}, self.now, self.config.flow_ttl
        )

    async def set_step(self, step: str, data: dict | None = None) -> None:
        assert self.flow is not None, "set_step outside a flow"
        await self.start_flow(self.flow.flow, step, data if data is not None else self.flow.data)

    async def end_flow(self) -> None:
        if self.flow is not None:
            await flows.clear(self.session, self.contact.id)
            self.flow = None
