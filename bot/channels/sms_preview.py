"""A broadcast's SMS as each provider will carry them: recipients, segments and sending time
per provider (SMS_ROUTES), for the preview staff confirm before sending."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.sms_routes import SmsRoutes
from bot.settings import Settings
from handlers.announcements import sms_version
from knowledge import gsm7
from storage import broadcasts
from storage.audience import Audience, conditions
from storage.models import Contact


@dataclass
class ProviderShare:
    provider: str
    recipients: int = 0
    segments: int = 0
    rate: float = 1.0  # segments a second

    @property
    def seconds(self) -> float:
        return self.segments / self.rate if self.rate > 0 else 0.0


async def sms_by_provider(
    session: AsyncSession,
    audience: Audience,
    text_fr: str | None,
    text_en: str | None,
    settings: Settings,
) -> list[ProviderShare]:
    """Per provider, in the order configured: the SMS recipients and segments of the audience."""
    providers = settings.sms_providers
    if not providers:
        return []
    try:
        routes = SmsRoutes.parse(settings.sms_routes, providers)
    except ValueError:
        return []  # `run` refuses to start with such routes and says why
    shares = {name: ProviderShare(name, rate=settings.sms_rate(name)) for name in providers}
    cost: dict[str, int] = {}
    rows = await session.execute(
        select(Contact.address, Contact.language).where(
            *conditions(audience), Contact.channel == "sms"
        )
    )
    for address, language in rows.all():
        chosen = broadcasts.text_language(language, text_fr, text_en)
        if chosen not in cost:
            text = text_fr if chosen == "fr" else text_en
            cost[chosen] = gsm7.segments(sms_version(text) or "").segments
        share = shares[routes.provider_for(address)]
        share.recipients += 1
        share.segments += cost[chosen]
    return [share for share in shares.values() if share.recipients]


def show(shares: list[ProviderShare]) -> None:
    for share in shares:
        minutes = share.seconds / 60
        print(
            f"  SMS via {share.provider}: {share.recipients} recipients, {share.segments} "
            f"segments, about {minutes:.0f} min at {share.rate:g} segment(s)/s"
        )
