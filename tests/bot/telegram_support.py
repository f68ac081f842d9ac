"""What the Telegram end-to-end tests share: the service on a test database, the channel
running against the fake Bot API, and waiting for what the bot sends."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.services import Services
from bot.settings import Settings
from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import Contact, Message
from tests.fakes.telegram_api import FakeBotApi

TOKEN = "123456:TEST-token"
SECRET = "s3cret_Token-1"


def settings(db_url: str, api: FakeBotApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "telegram_bot_token": TOKEN,
        "telegram_api_url": api.url,
        "public_url": "",
        "telegram_webhook_secret": "",
        "staff_telegram_ids": "1001",
        "staff_chat_id": "-100500",
        **overrides,
    }
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def running(
    db_url: str, api: FakeBotApi, knowledge: Knowledge, **overrides: Any
) -> AsyncIterator[TelegramChannel]:
    services = await Services.start(
        settings(db_url, api, **overrides), knowledge=knowledge, upgrade=False
    )
    channel = TelegramChannel(services)
    try:
        await channel.start()
        try:
            yield channel
        finally:
            await channel.stop()
    finally:
        await services.close()


async def wait_for(condition: Callable[[], Any], seconds: float = 15, what: str = "") -> Any:
    """Poll until `condition()` is truthy (the bot runs in the background); its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


async def stored(db: Database, direction: str | None = None) -> list[Message]:
    async with db.transaction() as session:
        query = select(Message).order_by(Message.id)
        if direction:
            query = query.where(Message.direction == direction)
        return list(await session.scalars(query))


async def contact(db: Database, address: str) -> Contact | None:
    async with db.transaction() as session:
        return await session.scalar(select(Contact).where(Contact.address == address))


async def settled(db: Database) -> bool:
    """Every reply stored so far has been sent or has failed: nothing is in flight."""
    out = await stored(db, "out")
    return bool(out) and all(m.status != "pending" for m in out)


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]
