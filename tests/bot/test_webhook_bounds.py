"""Every shape of webhook a probe found, on both engines: a 4xx or a 200 with a clear effect,
never a 500, and the same answer on SQLite and PostgreSQL (PostgreSQL refuses an over-long
MessageSid, a NUL or a lone surrogate that SQLite would store)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from sqlalchemy import select
from starlette.datastructures import FormData

from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from handlers import basics
from handlers.context import Context
from handlers.router import Router
from handlers.vocabulary import Reply
from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import Contact, Message
from tests.bot.sms_app import PERSON, PUBLIC_URL, SmsApp, open_sms_app, sms_settings
from tests.bot.telegram_support import SECRET, running, stored, wait_for
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_webhooks import ACCOUNT_SID, TwilioWebhooks

SID = "SM" + "b" * 32


async def _echo(ctx: Context) -> list[Reply]:
    """A reply that repeats what the person wrote, as a registration summary does."""
    return [Reply(f"Vous avez écrit : {ctx.text}")]


@pytest.fixture
async def sms(db: Database, knowledge: Knowledge) -> AsyncIterator[SmsApp]:
    router = Router(keywords=basics.keywords(()), flows={}, fallback=_echo)
    async with open_sms_app(sms_settings(db.url), knowledge, router) as app:
        yield app


def _form(**fields: str | None) -> list[tuple[str, str]]:
    base: dict[str, str | None] = {
        "From": PERSON,
        "Body": "bonjour",
        "MessageSid": SID,
        "AccountSid": ACCOUNT_SID,
    }
    base.update(fields)
    return [(key, value) for key, value in base.items() if value is not None]


async def _post(sms: SmsApp, path: str, form: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """POST a form signed as Twilio signs it, repeated fields included."""
    signature = sms.twilio.validator.compute_signature(PUBLIC_URL + path, FormData(form))
    return await sms.twilio.client.post(
        path,
        content="&".join(f"{k}={_quote(v)}" for k, v in form),
        headers={
            "X-Twilio-Signature": signature,
            "content-type": "application/x-www-form-urlencoded",
        },
    )


def _quote(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class Row:
    name: str
    form: list[tuple[str, str]]
    status: int
    stored_text: str | None = None  # the inbound text kept, for a 200
    echoed: str | None = None  # a piece of the reply, for a 200


INBOUND = [
    Row("sid longer than the column", _form(MessageSid="SM" + "a" * 63), 400),
    Row("sid of 5,000 characters", _form(MessageSid="SM" * 2500), 400),
    Row("sid with spaces and accents", _form(MessageSid="SM é à"), 400),
    Row("sid blank", _form(MessageSid="   "), 400),
    Row("sid with a NUL", _form(MessageSid="SM\x00abc"), 400),
    Row("From +0000000000", _form(From="+0000000000"), 400),
    Row("From of an unknown country code", _form(From="+99912345678"), 400),
    Row("From too short", _form(From="+1234"), 400),
    Row("From of 300 digits", _form(From="+" + "7" * 300), 400),
    Row("From a bare plus", _form(From="+"), 400),
    Row("From with a NUL", _form(From="+22376\x00123456"), 400),
    Row("From repeated", [*_form(), ("From", "+22376000000")], 400),
    Row("Body repeated", [*_form(), ("Body", "autre")], 400),
    Row("MessageSid repeated", [*_form(), ("MessageSid", "SM" + "c" * 32)], 400),
    Row("Body with a NUL", _form(Body="a\x00b"), 200, "ab", "ab"),
    Row("Body with U+FFFE and U+FFFF", _form(Body="Awa\ufffe\uffff"), 200, None, "Awa"),
    Row("Body with control characters", _form(Body="\x07\x1bok\x0b"), 200, None, "ok"),
    Row("Body of 20,000 characters", _form(Body="é" * 20_000), 200, "é" * 10_000, None),
]


@pytest.mark.parametrize("row", INBOUND, ids=[r.name for r in INBOUND])
async def test_inbound_shapes(sms: SmsApp, row: Row) -> None:
    response = await _post(sms, "/sms/twilio", row.form)
    assert response.status_code == row.status, response.text
    if row.status != 200:
        assert await sms.count(Message) == 0
        assert await sms.count(Contact) == 0
        return
    ET.fromstring(response.text)  # well-formed TwiML, whatever the person typed
    replies = sms.twilio.messages(response)
    assert replies
    if row.echoed is not None:
        assert f"Vous avez écrit : {row.echoed}" in replies[0]
    async with sms.services.db.transaction() as session:
        texts = list(await session.scalars(select(Message.text).where(Message.direction == "in")))
    assert len(texts) == 1
    if row.stored_text is not None:
        assert texts[0] == row.stored_text


async def test_a_body_that_is_not_utf8_is_read_with_replacement_characters(sms: SmsApp) -> None:
    """Bytes that are no UTF-8 (here a lone surrogate's encoding) are read as U+FFFD, which is
    what the signature is then checked over; stored and answered on both engines."""
    form = _form(Body="x\ufffd\ufffd\ufffdy")
    signature = sms.twilio.validator.compute_signature(PUBLIC_URL + "/sms/twilio", FormData(form))
    wire = "&".join(f"{k}={_quote(v)}" for k, v in form if k != "Body") + "&Body=x%ED%A0%80y"
    response = await sms.twilio.client.post(
        "/sms/twilio",
        content=wire,
        headers={
            "X-Twilio-Signature": signature,
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200, response.text
    assert "Vous avez écrit : x" in sms.twilio.messages(response)[0]
    assert await sms.count(Message, Message.direction == "in") == 1


@dataclass(frozen=True)
class StatusRow:
    name: str
    form: list[tuple[str, str]]
    status: int
    query: str = ""


def _status(**fields: str | None) -> list[tuple[str, str]]:
    base: dict[str, str | None] = {
        "MessageSid": "SM" + "d" * 32,
        "MessageStatus": "delivered",
        "AccountSid": ACCOUNT_SID,
    }
    base.update(fields)
    return [(key, value) for key, value in base.items() if value is not None]


STATUS = [
    StatusRow("unknown status value", _status(MessageStatus="exploded"), 200),
    StatusRow("status with a NUL", _status(MessageStatus="deliv\x00ered"), 200),
    StatusRow("status of 10,000 characters", _status(MessageStatus="x" * 10_000), 200),
    StatusRow("sid longer than the column", _status(MessageSid="SM" + "e" * 100), 400),
    StatusRow("sid with a NUL", _status(MessageSid="SM\x00"), 400),
    StatusRow("no sid", _status(MessageSid=None), 400),
    StatusRow("no status", _status(MessageStatus=None), 400),
    StatusRow("error code not a number", _status(ErrorCode="abc"), 400),
    StatusRow("error code of 50 digits", _status(ErrorCode="9" * 50), 400),
    StatusRow("status repeated", [*_status(), ("MessageStatus", "failed")], 400),
    StatusRow("sid repeated", [*_status(), ("MessageSid", "SM" + "f" * 32)], 400),
    StatusRow("message id beyond BIGINT", _status(), 200, "?m=" + "9" * 30),
    StatusRow("message id in other digits", _status(), 200, "?m=%C2%B2"),
    StatusRow("message id negative", _status(), 200, "?m=-1"),
    StatusRow("message id zero", _status(), 200, "?m=0"),
    StatusRow("delivered for an unknown sid", _status(), 200),
    StatusRow(
        "undelivered with an error", _status(MessageStatus="undelivered", ErrorCode="30005"), 200
    ),
]


@pytest.mark.parametrize("row", STATUS, ids=[r.name for r in STATUS])
async def test_status_callback_shapes(sms: SmsApp, row: StatusRow) -> None:
    await sms.say("bonjour")  # a conversation whose rows must stay as they are
    async with sms.services.db.transaction() as session:
        before = [(m.id, m.status, m.provider_id) for m in await session.scalars(select(Message))]
    response = await _post(sms, "/sms/twilio/status" + row.query, row.form)
    assert response.status_code == row.status, response.text
    async with sms.services.db.transaction() as session:
        after = [(m.id, m.status, m.provider_id) for m in await session.scalars(select(Message))]
    assert after == before  # none of these names a message of ours


async def test_a_status_naming_our_message_by_a_huge_id_changes_nothing_else(sms: SmsApp) -> None:
    response = await sms.twilio.sms(PERSON, "bonjour")
    action = TwilioWebhooks.elements(response)[0].get("action")
    assert action is not None
    ok = await sms.twilio.status(action, "SM" + "1" * 32, "delivered")
    assert ok.status_code == 200
    async with sms.services.db.transaction() as session:
        statuses = list(
            await session.scalars(select(Message.status).where(Message.direction == "out"))
        )
    assert statuses == ["delivered"]


# -- Telegram -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TelegramRow:
    name: str
    body: object
    status: int
    answered_chat: int | None = None  # a 200 that the bot answers in this chat
    extra: dict = field(default_factory=dict)


def _message(chat: object = 42, text: str = "bonjour", sender: object = 42) -> dict:
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": sender, "is_bot": False, "first_name": "Awa"},
        "text": text,
    }


TELEGRAM = [
    TelegramRow("a JSON list", [], 400),
    TelegramRow("a JSON string", "update", 400),
    TelegramRow("no update_id", {"message": _message()}, 400),
    TelegramRow("update_id a string", {"update_id": "7", "message": _message()}, 400),
    TelegramRow("update_id a boolean", {"update_id": True, "message": _message()}, 400),
    TelegramRow("update_id beyond BIGINT", {"update_id": 2**70, "message": _message()}, 400),
    TelegramRow(
        "message without chat", {"update_id": 1, "message": {"text": "x", "date": 1}}, 400
    ),
    TelegramRow("message a string", {"update_id": 1, "message": "bonjour"}, 400),
    TelegramRow("chat id a word", {"update_id": 1, "message": _message(chat="abc")}, 400),
    TelegramRow("chat id a numeric string", {"update_id": 1, "message": _message(chat="42")}, 400),
    TelegramRow("chat id beyond 52 bits", {"update_id": 1, "message": _message(chat=2**60)}, 400),
    TelegramRow("chat id a float", {"update_id": 1, "message": _message(chat=4.2)}, 400),
    TelegramRow("sender id a word", {"update_id": 1, "message": _message(sender="x")}, 400),
    TelegramRow("callback without sender", {"update_id": 1, "callback_query": {"id": "1"}}, 400),
    TelegramRow("member change without chat", {"update_id": 1, "my_chat_member": {}}, 400),
    TelegramRow("an update of no kind we know", {"update_id": 5}, 200),
    TelegramRow(
        "text with NUL and a lone surrogate",
        {"update_id": 9, "message": _message(chat=77, text="bon\x00jour \ud800")},
        200,
        answered_chat=77,
    ),
    TelegramRow(
        "text with U+FFFF",
        {"update_id": 10, "message": _message(chat=78, text="Awa\uffff")},
        200,
        answered_chat=78,
    ),
]


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def telegram_client(db: Database, db_url: str, api: FakeBotApi, knowledge: Knowledge):  # type: ignore[no-untyped-def]
    import httpx

    async with running(
        db_url, api, knowledge, public_url=PUBLIC_URL, telegram_webhook_secret=SECRET
    ) as channel:
        app = create_app(channel.services, routes=channel.routes())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield client


@pytest.mark.parametrize("row", TELEGRAM, ids=[r.name for r in TELEGRAM])
async def test_telegram_update_shapes(telegram_client, api, db, row: TelegramRow) -> None:  # type: ignore[no-untyped-def]
    content = json.dumps(row.body, ensure_ascii=True).encode()
    response = await telegram_client.post(
        WEBHOOK_PATH,
        content=content,
        headers={SECRET_HEADER: SECRET, "content-type": "application/json"},
    )
    assert response.status_code == row.status
    if row.answered_chat is None:
        return
    sent = await wait_for(lambda: api.sent_to(row.answered_chat), what="an answer")
    assert all("\uffff" not in m["text"] and "\x00" not in m["text"] for m in sent)
    inbound = await wait_for(lambda: stored(db, direction="in"), what="the message stored")
    assert len(inbound) == 1
