"""The contract between the dispatcher (bulk sending) and a channel's sender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    """What a provider said about one message; provider quirks are mapped to these fields."""

    ok: bool
    provider_id: str | None = None
    error: str | None = None  # a short reason for the staff's eyes (no personal data)
    permanent: bool = False  # retrying cannot help (bad number, blocked bot)
    retry_after: float | None = None  # the provider asked the whole channel to pause (429)
    unreachable: bool = False  # the person cannot be reached on this channel any more
    opted_out: bool = False  # the provider says the person opted out (Twilio 21610)
    # The request may have reached the provider (a read timeout, a dropped connection after
    # sending): retrying could deliver it twice, so the dispatcher marks it `unknown` instead.
    uncertain: bool = False


class Sender(Protocol):
    """Sends one text to one address of its channel, without raising for provider errors.

    A sender that shows buttons (Telegram) also takes `options=[[label, value], ...]`; the
    dispatcher passes them only for outbox rows that have some (a poll's Telegram invitation).
    """

    channel: str

    async def send(self, address: str, text: str) -> SendResult: ...


class ChannelService(Protocol):
    """A channel as `diaspora-bot run` sees it: web routes (webhooks), a life, a sender."""

    name: str
    sender: Sender

    def routes(self) -> list:  # starlette routes, mounted on the one web app
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
