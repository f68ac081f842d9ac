"""The SMS channel's sender over several providers: one lane per provider for the dispatcher.

Each lane drains only the outbox rows its routes give it (or that are pinned to it: a reply
goes back through the provider the question came in on), at its own rate
(`SMS_MAX_RATE_<PROVIDER>`): a slow phone never holds back a fast short code, and a mixed
broadcast goes out through each provider at that provider's pace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.channels.base import Sender, SendResult
from bot.channels.sms_routes import SmsRoutes
from storage.outbox import route_filter

if TYPE_CHECKING:
    from bot.channels.sms import SmsProvider

CHANNEL = "sms"


def lane_name(provider: str) -> str:
    return f"{CHANNEL}:{provider}"


class ProviderLane:
    """One provider's share of the SMS outbox: a `Sender` the dispatcher paces on its own."""

    channel = CHANNEL

    def __init__(self, provider: SmsProvider, routes: SmsRoutes) -> None:
        self.target = provider
        self.provider = provider.name  # the dispatcher claims with it (bot.dispatcher.lane_claim)
        self.claim_where = route_filter(
            provider.name, routes.claims(provider.name), routes.providers
        )

    async def send(self, address: str, text: str) -> SendResult:
        return await self.target.send(address, text)


class RoutedSms:
    """The SMS channel's sender when routes spread numbers over providers: `send` follows the
    routes (the console, the CLI); the dispatcher uses `lanes`."""

    channel = CHANNEL

    def __init__(self, providers: Mapping[str, SmsProvider], routes: SmsRoutes) -> None:
        self.providers = dict(providers)
        self.routes = routes
        self.lanes: dict[str, Sender] = {
            lane_name(name): ProviderLane(provider, routes) for name, provider in providers.items()
        }

    async def send(self, address: str, text: str) -> SendResult:
        return await self.providers[self.routes.provider_for(address)].send(address, text)


def lanes_for(providers: Mapping[str, SmsProvider], routes: SmsRoutes) -> Sender:
    """One provider: the provider itself is the channel's sender, as before routes existed.
    Several: a routed sender with a lane each."""
    if len(providers) == 1:
        return next(iter(providers.values()))
    return RoutedSms(providers, routes)
