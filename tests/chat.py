"""A person chatting with the bot, for tests that read like conversations:

assert "Bienvenue" in await chat.say("bonjour")
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from bot.conversation import Conversation, Renderer, Turn, render_plain
from handlers.vocabulary import Inbound


class FakeClock:
    """The conversation's clock, moved by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Chat:
    _ids = count(1)

    def __init__(
        self,
        conversation: Conversation,
        address: str = "console:tester",
        channel: str = "console",
        render: Renderer = render_plain,
        language_hint: str | None = None,
        user_id: str | None = None,
        user_name: str | None = None,
        provider_answers_stop: bool = False,  # as Twilio's route says (handlers/vocabulary.py)
    ) -> None:
        self.conversation = conversation
        self.provider_answers_stop = provider_answers_stop
        self.address = address
        self.channel = channel
        self.render = render
        self.language_hint = language_hint
        self.user_id = user_id
        self.user_name = user_name
        self.turn: Turn | None = None

    async def send(self, text: str, provider_id: str | None = None) -> Turn:
        inbound = Inbound(
            self.channel,
            self.address,
            text,
            provider_id=provider_id,
            language_hint=self.language_hint,
            user_id=self.user_id,
            user_name=self.user_name,
            received_at=self.conversation.config.clock(),
            provider_answers_stop=self.provider_answers_stop,
        )
        self.turn = await self.conversation.handle(inbound, self.render)
        return self.turn

    async def say(self, text: str, provider_id: str | None = None) -> str:
        """Send `text`; return every reply's text and option labels, one per line."""
        turn = await self.send(text, provider_id)
        lines: list[str] = []
        for out in turn.outgoing:
            lines.append(out.text)
            lines.extend(option.label for option in out.options)
        return "\n".join(lines)

    @property
    def options(self) -> list[str]:
        assert self.turn is not None
        return [o.value for out in self.turn.outgoing for o in out.options]
