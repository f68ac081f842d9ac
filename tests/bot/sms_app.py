"""An SMS app under test: the real web app and SMS channel, reached over httpx.ASGITransport at
a local address, while Twilio signs the public one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.sms import SmsChannel
from bot.channels.sms_providers.twilio import TwilioSms
from bot.conversation import Conversation
from bot.services import Services
from bot.settings import Settings
from handlers.router import Router
from knowledge.bundle import Knowledge
from storage.models import Contact
from tests.fakes.twilio_webhooks import ACCOUNT_SID, TwilioWebhooks

TOKEN = "twilio-auth-token-for-tests"
PUBLIC_URL = "https://bot.example.org"
LOCAL_URL = "http://127.0.0.1:8080"  # where the test reaches the app: not what Twilio signs
PERSON = "+22376123456"


def sms_settings(db_url: str, **overrides) -> Settings:
    values = {
        "database_url": db_url,
        "public_url": PUBLIC_URL,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": TOKEN,
        "twilio_from": "+15005550006",
        "sms_max_segments": 2,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@dataclass
class SmsApp:
    services: Services
    twilio: TwilioWebhooks

    async def count(self, model, *where) -> int:  # type: ignore[no-untyped-def]
        async with self.services.db.transaction() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

    async def contact(self, address: str = f"tel:{PERSON}") -> Contact | None:
        async with self.services.db.transaction() as session:
            return await session.scalar(select(Contact).where(Contact.address == address))

    async def say(self, body: str, from_: str = PERSON) -> list[str]:
        response = await self.twilio.sms(from_, body)
        assert response.status_code == 200, response.text
        return self.twilio.messages(response)


@asynccontextmanager
async def open_sms_app(
    settings: Settings, knowledge: Knowledge, router: Router | None = None
) -> AsyncIterator[SmsApp]:
    """The web app with the Twilio SMS channel; `router` replaces the real one if given."""
    services = await Services.start(settings, knowledge=knowledge, upgrade=False)
    if router is not None:
        services.conversation = Conversation(
            services.db, knowledge, settings.handler_config(), router=router
        )
    channel = SmsChannel(services, TwilioSms(settings))
    app = create_app(services, routes=channel.routes())
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=LOCAL_URL) as client:
            yield SmsApp(services, TwilioWebhooks(client, TOKEN, PUBLIC_URL))
    finally:
        await channel.stop()
        await services.close()
