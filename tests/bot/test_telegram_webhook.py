"""Webhook mode: Telegram POSTs updates to the one Starlette app; the secret header decides
whether anything happens at all."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pydantic import SecretStr

from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel, TelegramConfigError
from bot.cli.run import channel_services
from bot.services import Services
from storage.db import Database
from tests.bot.telegram_support import SECRET, running, settings, settled, stored, wait_for
from tests.fakes.telegram_api import FakeBotApi

PUBLIC_URL = "https://bot.example.org"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def telegram(db: Database, db_url: str, api, knowledge) -> AsyncIterator[TelegramChannel]:
    async with running(
        db_url, api, knowledge, public_url=PUBLIC_URL, telegram_webhook_secret=SECRET
    ) as channel:
        yield channel


@pytest.fixture
async def client(telegram: TelegramChannel) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(telegram.services, routes=telegram.routes())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


def update(api: FakeBotApi, chat_id: int, text: str, update_id: int) -> dict:
    return {"update_id": update_id, "message": api.message(chat_id, text)}


async def post(client: httpx.AsyncClient, body: object, secret: str | None = SECRET) -> int:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await client.post(WEBHOOK_PATH, content=content, headers=headers)
    return response.status_code


async def test_the_webhook_is_registered_with_its_secret(telegram, api) -> None:
    assert api.webhook is not None
    assert api.webhook["url"] == f"{PUBLIC_URL}{WEBHOOK_PATH}"
    assert api.webhook["secret_token"] == SECRET
    assert "callback_query" in api.webhook["allowed_updates"]
    assert not any(method == "getUpdates" for method, _ in api.calls)


async def test_an_update_with_the_secret_is_answered(client, api, db) -> None:
    assert await post(client, update(api, 42, "/start", 1)) == 200
    await wait_for(lambda: len(api.sent_to(42)) >= 2, what="welcome and menu")
    assert "Bienvenue" in api.sent_to(42)[0]["text"]
    await wait_for(lambda: settled(db), what="replies recorded")


@pytest.mark.parametrize("secret", [None, "", SECRET[:-1], SECRET.upper()])
async def test_a_wrong_or_missing_secret_is_refused_and_nothing_happens(
    client, api, db, secret
) -> None:
    assert await post(client, update(api, 42, "bonjour", 1), secret=secret) == 403
    # A good request after the bad one is answered; the bad one left no trace at all.
    assert await post(client, update(api, 43, "bonjour", 2)) == 200
    await wait_for(lambda: api.sent_to(43), what="the good request's answer")
    assert api.sent_to(42) == []
    assert [m.text for m in await stored(db, "in")] == ["bonjour"]
    assert (await stored(db, "in"))[0].provider_id == "2"


@pytest.mark.parametrize("body", [b"{not json", json.dumps({"hello": "world"}).encode(), b"null"])
async def test_a_body_that_is_not_an_update_is_a_400(client, api, db, body) -> None:
    assert await post(client, body) == 400
    assert await post(client, update(api, 43, "bonjour", 2)) == 200
    await wait_for(lambda: api.sent_to(43), what="the good request's answer")
    assert len(await stored(db, "in")) == 1


async def test_a_duplicate_delivery_is_answered_once(client, api, db) -> None:
    first = update(api, 42, "langue", 7)
    assert await post(client, first) == 200
    assert await post(client, first) == 200  # Telegram retried: we were slow to say 200
    assert await post(client, update(api, 42, "menu", 8)) == 200
    await wait_for(lambda: len(api.texts_to(42)) >= 3, what="three answers")
    await wait_for(lambda: settled(db), what="replies recorded")
    texts = api.texts_to(42)
    assert len(texts) == 3  # welcome and languages once, then the menu
    assert "Choisissez votre langue" in texts[1] and "Menu" in texts[2]
    assert [m.text for m in await stored(db, "in")] == ["langue", "menu"]


async def test_webhook_mode_refuses_to_start_without_a_secret(db_url, api, knowledge) -> None:
    services = await Services.start(
        settings(db_url, api, public_url=PUBLIC_URL), knowledge=knowledge, upgrade=False
    )
    try:
        with pytest.raises(TelegramConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
            channel_services(services)
        services.settings.telegram_webhook_secret = SecretStr("has spaces and é")
        with pytest.raises(TelegramConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
            TelegramChannel(services)
    finally:
        await services.close()


async def test_run_turns_telegram_on_with_a_token_only(db_url, api, knowledge) -> None:
    services = await Services.start(
        settings(db_url, api, telegram_bot_token=""), knowledge=knowledge, upgrade=False
    )
    try:
        assert channel_services(services) == []
        services.settings.telegram_bot_token = SecretStr("1:T")
        [channel] = channel_services(services)
        assert channel.name == "telegram" and channel.routes() == []  # polling: no webhook
        assert channel.sender.channel == "telegram"
    finally:
        await services.close()
