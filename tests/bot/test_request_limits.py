"""Bounded requests: a body over MAX_REQUEST_BYTES is refused with 413 while it is read, before
any signature is checked; the warm-up before traffic stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.request_limits import BodySizeLimit
from bot.warmup import warm_up
from knowledge import language
from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import Base, Message
from tests.bot.sms_app import PERSON, SmsApp, open_sms_app, sms_settings

LIMIT = 4096


@pytest.fixture
async def sms(db: Database, knowledge: Knowledge) -> AsyncIterator[SmsApp]:
    async with open_sms_app(sms_settings(db.url, max_request_bytes=LIMIT), knowledge) as app:
        yield app


async def test_an_announced_oversize_body_is_refused_before_the_signature(sms: SmsApp) -> None:
    params = sms.twilio.inbound_params(PERSON, "x" * (LIMIT * 2), sms.twilio.new_sid())
    response = await sms.twilio.post("/sms/twilio", params)  # well signed: still too large
    assert response.status_code == 413
    assert await sms.count(Message) == 0


async def test_a_body_without_length_is_cut_off_while_read(sms: SmsApp) -> None:
    async def chunks():  # noqa: ANN202 - chunked: no Content-Length to refuse up front
        for _ in range(100):
            yield b"Body=" + b"x" * 1000

    response = await sms.twilio.client.post(
        "/sms/twilio",
        content=chunks(),
        headers={"X-Twilio-Signature": "x", "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert await sms.count(Message) == 0


async def test_a_body_within_the_limit_is_answered(sms: SmsApp) -> None:
    assert "Bienvenue" in "\n".join(await sms.say("bonjour"))


async def test_the_telegram_webhook_and_others_share_the_limit() -> None:
    """The middleware wraps the whole app: every path, every method."""
    seen: list[str] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append(scope["path"])
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = BodySizeLimit(app, max_bytes=10)
    sent: list[dict] = []

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b"y" * 11, "more_body": False}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "path": "/telegram/webhook", "headers": []}
    await limited(scope, receive, send)
    assert seen == ["/telegram/webhook"]
    assert sent[0]["status"] == 413


async def test_the_warm_up_loads_what_loads_lazily_and_stores_nothing(sms: SmsApp) -> None:
    language._identifier.cache_clear()
    await warm_up(sms.services)
    assert language._identifier.cache_info().currsize == 1  # the ~0.5 s model is loaded
    async with sms.services.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            assert await session.scalar(select(func.count()).select_from(table)) == 0, table
