"""The router: global keywords first, then the person's active flow, then what a sentence
means (intents, small talk, a number that is no option, a language we do not read), then the FAQ.

Before the keywords, a few `before` handlers see every message: for conversations that are not
with a person at all (the staff's Telegram group) or free text that no keyword may take over (an
announcement staff are writing).

It is a table that feature modules contribute to (see `handlers/routes.py`), not a chain of ifs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from handlers.context import Context
from handlers.vocabulary import Reply
from knowledge.text import fold

# A handler answers with replies, or with None to say "not mine": the router then tries the next
# route. This lets OUI mean "start again" to an opted-out person and "confirm" inside a flow.
Handler = Callable[[Context], Awaitable[list[Reply] | None]]

# "/start@DiasporaBot fidima" -> "start fidima": Telegram commands are keywords like any other.
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@\w+)?")
_OPTION_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


@dataclass(frozen=True)
class Keyword:
    words: tuple[str, ...]  # folded: "arret", "mes donnees"
    handler: Handler
    takes_argument: bool = False  # "LANGUE en", "FAQ nationality_dual"
    channels: tuple[str, ...] | None = None  # None: every channel


@dataclass(frozen=True)
class Route:
    """What matched, for logs and tests."""

    kind: str  # before | keyword | flow | understood | fallback
    name: str


# Runs after every routed turn and may add to the replies (the one-time awareness offer).
AfterTurn = Callable[[Context, list[Reply], "Route"], Awaitable[list[Reply]]]


class Router:
    def __init__(
        self,
        keywords: Iterable[Keyword],
        flows: dict[str, Handler],
        fallback: Handler,
        before: Iterable[Handler] = (),
        after: Iterable[AfterTurn] = (),
        understand: Iterable[Handler] = (),
    ) -> None:
        self.flows = flows
        # After keywords and flows, before the FAQ: readers of what a sentence means.
        self.understand = tuple(understand)
        self.fallback = fallback
        self.before = tuple(before)
        self.after = tuple(after)
        self._exact: dict[str, list[Keyword]] = {}
        self._prefix: dict[str, list[Keyword]] = {}
        for keyword in keywords:
            for word in keyword.words:
                table = self._prefix if keyword.takes_argument else self._exact
                table.setdefault(fold(word), []).append(keyword)
        self._prefix_words = max((len(phrase.split(" ")) for phrase in self._prefix), default=1)

    def keywords_for(self, text: str, channel: str) -> list[tuple[Keyword, str]]:
        """Keywords that `text` triggers on `channel`, each with its argument, in table order."""
        command = _COMMAND.match(text.strip())
        if command:
            text = command.group(1) + text.strip()[command.end() :]
        folded = fold(text)
        if not folded:
            return []
        candidates = [(k, "") for k in self._exact.get(folded, [])]
        # A keyword that takes an argument may fold to several words ("cancel_broadcast" ->
        # "cancel broadcast"), and one word the person typed may fold to several ("l'État").
        # The longest first: "/poll_results x" is the staff's command before it is "POLL
        # results x" (a shorter keyword still gets its turn when the longer one says None).
        words = folded.split(" ")
        for size in range(min(len(words), self._prefix_words), 0, -1):
            phrase = " ".join(words[:size])
            for keyword in self._prefix.get(phrase, []):
                candidates.append((keyword, _argument(text, phrase, folded)))
        return [(k, a) for k, a in candidates if k.channels is None or channel in k.channels]

    async def route(self, ctx: Context) -> tuple[list[Reply], Route]:
        replies, route = await self._match(ctx)
        for hook in self.after:
            replies = await hook(ctx, replies, route)
        return replies, route

    async def _match(self, ctx: Context) -> tuple[list[Reply], Route]:
        for handler in self.before:
            replies = await handler(ctx)
            if replies is not None:
                return replies, Route("before", handler.__name__)
        for keyword, argument in self.keywords_for(ctx.text, ctx.channel):
            ctx.args = argument
            replies = await keyword.handler(ctx)
            if replies is not None:
                return replies, Route("keyword", keyword.words[0])
        ctx.args = ""
        if ctx.flow is not None:
            handler = self.flows.get(ctx.flow.flow)
            if handler is None:  # a flow from an older version of the bot: forget it
                await ctx.end_flow()
            else:
                replies = await handler(ctx)
                if replies is not None:
                    return replies, Route("flow", ctx.flow.flow if ctx.flow else "ended")
        for handler in self.understand:
            replies = await handler(ctx)
            if replies is not None:
                name = ctx.extra.get("intent") or handler.__name__
                return replies, Route("understood", name)
        return await self.fallback(ctx) or [], Route("fallback", "faq")


def _argument(text: str, phrase: str, folded: str) -> str:
    """What follows the keyword `phrase`, in the person's own spelling (a code, a language)."""
    tokens = text.strip().split(None)
    for count in range(1, len(tokens) + 1):
        head = fold(" ".join(tokens[:count]))
        if head == phrase:
            rest = text.strip().split(None, count)
            return rest[count].strip() if len(rest) > count else ""
        if len(head) > len(phrase):
            break
    return folded[len(phrase) :].strip()  # the keyword ends inside a word ("langue:en")


def is_option_number(text: str) -> bool:
    """ "2", " 2. ", "12)": what people send to choose from a numbered list."""
    return _OPTION_NUMBER.match(text) is not None


def chosen_option(text: str, options: list | None) -> str | None:
    """'2' after a reply with options means the second option's value; else None."""
    match = _OPTION_NUMBER.match(text)
    if not match or not options:
        return None
    index = int(match.group(1)) - 1
    if 0 <= index < len(options):
        return options[index][1]
    return None
