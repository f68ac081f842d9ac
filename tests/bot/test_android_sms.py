"""The Android gateway (a phone with a local SIM): signed webhooks in, replies out through the
phone right after the turn, delivery events, a phone that is off, its health.

The phone is a fake at the transport seam (tests/fakes/android_gateway.py: the official client
talks HTTP to it); its webhooks are signed here as the app signs them."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.background import Background
from bot.channels.sms_providers import sms_channel
from bot.channels.sms_providers.android import AndroidSms
from bot.services import Services
from bot.settings import Settings
from knowledge.bundle import Knowledge
from storage import sms_health
from storage.db import Database
from storage.models import Contact, Message, OutboxItem
from tests.fakes.android_gateway import FakeAndroidGateway
from tests.fakes.android_webhooks import AndroidWebhooks, envelope, local_time

KEY = "signing-key-for-tests"
USER, PASSWORD = "sms", "phone-password"
PERSON = "+22376123456"


def android_settings(db_url: str, phone_url: str, **overrides) -> Settings:
    values = {
        "database_url": db_url,
        "public_url": "https://bot.example.org",
        "android_sms_url": phone_url,
        "android_sms_username": USER,
        "android_sms_password": PASSWORD,
        "android_sms_signing_key": KEY,
        "android_sms_health_seconds": 0,  # the watch is tested on its own
        "outbox_retry_seconds": 0,
        "sms_max_rate_android": 50,  # the real default paces a phone at 1 segment in 5 s
        **overrides,
    }
    return Settings(_env_file=None, **values)


@dataclass
class AndroidApp:
    services: Services
    phone: FakeAndroidGateway
    app: AndroidWebhooks
    provider: AndroidSms

    async def count(self, model, *where) -> int:  # type: ignore[no-untyped-def]
        async with self.services.db.transaction() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

    async def say(self, text: str, number: str = PERSON) -> list[str]:
        """Text the bot from `number`; what the phone was asked to send back to it."""
        before = len(self.phone.texts_to(number))
        response = await self.app.received(number, text)
        assert response.status_code == 200, response.text
        return self.phone.texts_to(number)[before:]

    async def outbox(self) -> list[OutboxItem]:
        async with self.services.db.transaction() as session:
            return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))

    async def dispatch(self) -> None:
        channel = sms_channel(self.services)
        assert channel is not None
        worker = Background(self.services, [channel.sender]).dispatcher
        assert worker is not None
        await worker.run_until_idle()
        await channel.stop()


@pytest.fixture
def phone() -> AsyncIterator[FakeAndroidGateway]:
    with FakeAndroidGateway(USER, PASSWORD) as fake:
        yield fake


async def _open(settings: Settings, knowledge: Knowledge, phone: FakeAndroidGateway):  # type: ignore[no-untyped-def]
    services = await Services.start(settings, knowledge=knowledge, upgrade=False)
    channel = sms_channel(services)
    assert channel is not None
    await channel.start()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(services, routes=channel.routes())),
        base_url="http://127.0.0.1:8080",
    )
    provider = channel.providers["android"]
    assert isinstance(provider, AndroidSms)
    return (
        services,
        channel,
        client,
        AndroidApp(services, phone, AndroidWebhooks(client, KEY), provider),
    )


@pytest.fixture
async def android(
    db: Database, knowledge: Knowledge, phone: FakeAndroidGateway
) -> AsyncIterator[AndroidApp]:
    services, channel, client, app = await _open(
        android_settings(db.url, phone.url), knowledge, phone
    )
    try:
        yield app
    finally:
        await client.aclose()
        await channel.stop()
        await services.close()


# -- the webhook's table: signature, timestamp, events ------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    signature: str | None = "sign"  # "sign": as the app signs; None: no header; else this
    key: str = KEY
    age: int = 0  # seconds between the signature's timestamp and now (negative: the future)
    status: int = 200
    stored: int = 0  # inbound messages stored
    replies: int = 0  # SMS the phone is asked to send


def _received(text: str = "menu", number: str = PERSON, **payload: object) -> bytes:
    body = {
        "messageId": "a1b2c3d4",
        "message": text,
        "phoneNumber": number,
        "simNumber": 1,
        "receivedAt": local_time(),
        **payload,
    }
    return envelope("sms:received", {k: v for k, v in body.items() if v is not None})


CASES = [
    Case("valid", _received(), stored=1, replies=1),
    Case("missing signature", _received(), signature=None, status=403),
    Case("empty signature", _received(), signature="", status=403),
    Case("wrong signature", _received(), signature="0" * 64, status=403),
    Case("signed with another key", _received(), key="someone-elses-key", status=403),
    Case("stale timestamp (6 minutes old)", _received(), age=360, status=403),
    Case("future timestamp (6 minutes ahead)", _received(), age=-360, status=403),
    Case("timestamp 4 minutes old", _received(), age=240, stored=1, replies=1),
    Case("malformed JSON", b'{"event": "sms:received", "payload": {', status=400),
    Case("JSON but no payload", b'{"event": "sms:received"}', status=400),
    Case("missing phoneNumber", _received(phoneNumber=None), status=400),
    Case("missing messageId", _received(messageId=None), status=400),
    Case("sender not a phone number (an operator's name)", _received(number="OrangeMoney")),
    Case(
        "national number read in DEFAULT_REGION",
        _received(number="76 12 34 56"),
        stored=1,
        replies=1,
    ),
    Case("emoji text", _received("Bonjour 👋🏾 ça va ?"), stored=1, replies=1),
    Case("unknown event", envelope("mms:received", {"messageId": "x"})),
    Case("system ping", envelope("system:ping", {"health": {"status": "pass"}})),
    Case(
        "sent report for a message we do not keep",
        envelope(
            "sms:sent",
            {"messageId": "zz", "phoneNumber": PERSON, "sentAt": "2020-01-01T00:00:00.000+00:00"},
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_webhook(android: AndroidApp, case: Case) -> None:
    stamp = int(time.time()) - case.age
    response = await android.app.post(
        case.body, key=case.key, timestamp=stamp, signature=case.signature
    )
    assert response.status_code == case.status, response.text
    assert await android.count(Message, Message.direction == "in") == case.stored
    assert len(android.phone.sent) == case.replies
    if case.status != 200:
        assert await android.count(Contact) == 0
        assert await android.count(Message) == 0


async def test_a_refused_webhook_logs_no_phone_number(
    android: AndroidApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await android.app.post(_received("mon numéro"), signature="0" * 64)
        await android.app.post(_received(number="OrangeMoney"))
    assert "refused (403)" in caplog.text
    assert "76123456" not in caplog.text and "mon numéro" not in caplog.text


# -- conversations through the phone --------------------------------------------------------------


async def test_a_person_texting_the_phone_gets_the_menu_back_through_it(
    android: AndroidApp,
) -> None:
    replies = await android.say("menu")
    assert any("Langue" in text for text in replies)
    async with android.services.db.transaction() as session:
        out = list(await session.scalars(select(Message).where(Message.direction == "out")))
    assert [m.status for m in out] == ["sent"] * len(replies)
    assert all(m.provider_id and m.provider_id.startswith("android:") for m in out)


async def test_the_apps_retry_is_stored_once_and_answered_once(android: AndroidApp) -> None:
    body = _received("menu", receivedAt="2026-11-29T10:00:00.000+00:00")
    first = await android.app.post(body)
    again = await android.app.post(body)  # the app did not get our 2xx in time: same event
    assert first.status_code == again.status_code == 200
    assert await android.count(Message, Message.direction == "in") == 1
    assert len(android.phone.texts_to(PERSON)) == 1


async def test_the_same_text_at_two_times_is_two_messages(android: AndroidApp) -> None:
    # The app's messageId is built from the content: equal for both.
    for at in ("2026-11-29T10:00:00.000+00:00", "2026-11-29T10:05:00.000+00:00"):
        response = await android.app.post(_received("menu", receivedAt=at))
        assert response.status_code == 200
    assert await android.count(Message, Message.direction == "in") == 2
    assert len(android.phone.texts_to(PERSON)) == 2


async def test_delivery_events_move_the_reply_forward(android: AndroidApp) -> None:
    await android.say("menu")
    message_id = android.phone.sent[-1]["id"]
    for event, expected in (
        ("sms:sent", "sent"),
        ("sms:delivered", "delivered"),
        ("sms:sent", "delivered"),  # late and out of order: never backwards
    ):
        response = await android.app.report(event, message_id, PERSON)
        assert response.status_code == 200, response.text
        async with android.services.db.transaction() as session:
            status = await session.scalar(
                select(Message.status).where(Message.provider_id == f"android:{message_id}")
            )
        assert status == expected


async def test_a_failed_event_records_the_phones_reason(android: AndroidApp) -> None:
    await android.say("menu")
    message_id = android.phone.sent[-1]["id"]
    response = await android.app.report(
        "sms:failed", message_id, PERSON, reason="RESULT_ERROR_NO_SERVICE"
    )
    assert response.status_code == 200
    async with android.services.db.transaction() as session:
        message = await session.scalar(
            select(Message).where(Message.provider_id == f"android:{message_id}")
        )
    assert message is not None and message.status == "failed"
    assert message.error_code == "RESULT_ERROR_NO_SERVICE"


async def test_a_fresh_report_for_an_id_not_yet_recorded_asks_the_app_to_retry(
    android: AndroidApp,
) -> None:
    response = await android.app.report("sms:delivered", "not-yet-known", PERSON)
    assert response.status_code == 503


# -- the phone does not answer ------------------------------------------------------------------


async def test_replies_wait_in_the_outbox_while_the_phone_is_off_and_go_once_it_is_back(
    db: Database, knowledge: Knowledge
) -> None:
    phone = FakeAndroidGateway(USER, PASSWORD)
    off_url = phone.url  # nothing listens there yet: connection refused, as for a phone off
    services, channel, client, android = await _open(
        android_settings(db.url, off_url), knowledge, phone
    )
    try:
        response = await android.app.received(PERSON, "menu")
        assert response.status_code == 200
        [row] = await android.outbox()
        assert row.status == "queued" and row.kind == "reply" and row.provider == "android"
        assert "Langue" in row.text
        with phone:  # the phone is back
            await android.dispatch()
            [row] = await android.outbox()
            assert row.status == "sent"
            assert any("Langue" in text for text in phone.texts_to(PERSON))
            assert len(phone.sent) == 1
    finally:
        await client.aclose()
        await channel.stop()
        await services.close()


# -- sending through the phone: its answers -----------------------------------------------------


async def _queue(android: AndroidApp, text: str = "Forum de Kayes le 12 mai") -> None:
    from storage import outbox

    async with android.services.db.transaction() as session:
        contact = Contact(address=f"tel:{PERSON}", channel="sms", language="fr")
        session.add(contact)
        await session.flush()
        now = datetime.now(UTC)
        await outbox.enqueue(
            session, contact, text, kind="ticket", source="t:1", dedupe_key="t:1", now=now
        )


async def test_a_message_the_phone_accepts_is_sent_once(android: AndroidApp) -> None:
    await _queue(android)
    await android.dispatch()
    [row] = await android.outbox()
    assert row.status == "sent" and row.provider_id == f"android:{android.phone.sent[0]['id']}"
    assert android.phone.texts_to(PERSON) == ["Forum de Kayes le 12 mai"]


async def test_wrong_credentials_are_retried_and_said_plainly(android: AndroidApp) -> None:
    android.phone.password = "changed-on-the-phone"
    await _queue(android)
    await android.dispatch()
    [row] = await android.outbox()
    assert row.status in ("queued", "failed")
    assert "ANDROID_SMS_USERNAME/PASSWORD" in (row.error or "")
    assert android.phone.sent == []


async def test_a_500_then_success_sends_the_message_once(android: AndroidApp) -> None:
    android.phone.fail_next(500)
    await _queue(android)
    await android.dispatch()
    [row] = await android.outbox()
    assert row.status == "sent" and row.attempts == 2
    assert android.phone.texts_to(PERSON) == ["Forum de Kayes le 12 mai"]


async def test_a_timeout_is_not_sent_again(
    db: Database, knowledge: Knowledge, phone: FakeAndroidGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.sms_providers import android as module

    monkeypatch.setattr(module, "READ_TIMEOUT", 0.3)
    services, channel, client, app = await _open(
        android_settings(db.url, phone.url), knowledge, phone
    )
    try:
        phone.stall_next(1.0)
        await _queue(app)
        await app.dispatch()
        [row] = await app.outbox()
        assert row.status == "unknown"  # it may have gone: staff decide, nothing goes twice
        assert len(phone.sent) == 1
    finally:
        await client.aclose()
        await channel.stop()
        await services.close()


# -- health and registration ----------------------------------------------------------------------


async def test_the_phones_health_and_last_contact_are_kept(android: AndroidApp) -> None:
    assert (await android.provider.check_health())[0] == "pass"
    android.phone.health = "fail"
    assert (await android.provider.check_health())[0] == "fail"
    async with android.services.db.transaction() as session:
        health = (await sms_health.summary(session))["android"]
    assert health["status"] == "fail" and health["last_heard_at"] is not None


async def test_a_silent_phone_raises_an_alert_without_numbers(
    db: Database, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    phone = FakeAndroidGateway(USER, PASSWORD)  # never started: the phone is off
    services, channel, client, android = await _open(
        android_settings(db.url, phone.url), knowledge, phone
    )
    try:
        async with services.db.transaction() as session:
            await sms_health.heard(session, "android", datetime.now(UTC) - timedelta(hours=2))
        with caplog.at_level(logging.INFO):
            assert (await android.provider.check_health())[0] == "unreachable"
            await android.provider._alert_if_silent()
        assert "ALERT android SMS gateway silent for 120 minutes" in caplog.text
    finally:
        await client.aclose()
        await channel.stop()
        await services.close()


async def test_register_webhook_asks_the_app_for_every_event(android: AndroidApp) -> None:
    events = await android.provider.register_webhooks()
    assert set(events) >= {"sms:received", "sms:sent", "sms:delivered", "sms:failed"}
    urls = {hook["url"] for hook in android.phone.webhooks.values()}
    assert urls == {"https://bot.example.org/sms/android"}
    assert {hook["event"] for hook in android.phone.webhooks.values()} == set(events)
    await android.provider.register_webhooks()  # again: replaced, not doubled
    assert len(android.phone.webhooks) == len(events)


async def test_a_delivery_event_moves_the_outbox_row_forward(android: AndroidApp) -> None:
    await _queue(android)
    await android.dispatch()
    message_id = android.phone.sent[0]["id"]
    response = await android.app.report("sms:delivered", message_id, PERSON)
    assert response.status_code == 200
    [row] = await android.outbox()
    assert row.status == "delivered"
