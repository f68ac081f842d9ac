"""Twilio's status callbacks: what happened to each SMS we sent, and people who opted out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from knowledge.bundle import Knowledge
from storage import contacts, outbox
from storage.db import Database
from storage.models import Message, OutboxItem
from tests.bot.sms_app import PERSON, PUBLIC_URL, SmsApp, open_sms_app, sms_settings
from tests.fakes.twilio_webhooks import TwilioWebhooks

STATUS_URL = f"{PUBLIC_URL}/sms/twilio/status"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
async def sms(db: Database, knowledge: Knowledge) -> AsyncIterator[SmsApp]:
    async with open_sms_app(sms_settings(db.url), knowledge) as app:
        yield app


async def _reply_with_action(sms: SmsApp) -> tuple[str, int]:
    """Say something; return the first reply's action URL and stored message id."""
    response = await sms.twilio.sms(PERSON, "LANGUE")
    message = TwilioWebhooks.elements(response)[0]
    action = message.get("action")
    assert action is not None and action.startswith(STATUS_URL + "?m=")
    return action, int(action.rsplit("=", 1)[1])


async def _message(sms: SmsApp, message_id: int) -> Message:
    async with sms.services.db.transaction() as session:
        return await session.get(Message, message_id)


async def _queued_for(sms: SmsApp, provider_id: str | None = None, **fields) -> int:
    """An outbox row for the person, as the dispatcher leaves it after handing it to Twilio."""
    async with sms.services.db.transaction() as session:
        contact = await contacts.by_address(session, f"tel:{PERSON}")
        item = await outbox.enqueue(
            session,
            contact,
            "Rappel : le forum commence demain.",
            kind="broadcast",
            source="broadcast:1",
            dedupe_key=f"broadcast:1:{contact.id}:{provider_id}",
            now=NOW,
        )
        item.provider_id = provider_id
        for key, value in fields.items():
            setattr(item, key, value)
        return item.id


async def _outbox(sms: SmsApp, item_id: int) -> OutboxItem:
    async with sms.services.db.transaction() as session:
        return await session.get(OutboxItem, item_id)


async def test_a_reply_learns_its_sid_and_status_from_the_callback(sms: SmsApp) -> None:
    action, message_id = await _reply_with_action(sms)
    sid = TwilioWebhooks.new_sid()
    for status in ("sent", "delivered"):
        response = await sms.twilio.status(action, sid, status)
        assert response.status_code == 200
        ET.fromstring(response.text)  # an empty TwiML response
    message = await _message(sms, message_id)
    assert (message.provider_id, message.status) == (sid, "delivered")


async def test_statuses_only_move_forward(sms: SmsApp) -> None:
    action, message_id = await _reply_with_action(sms)
    sid = TwilioWebhooks.new_sid()
    await sms.twilio.status(action, sid, "delivered")
    await sms.twilio.status(action, sid, "sent")  # late, out of order
    assert (await _message(sms, message_id)).status == "delivered"


async def test_an_unsigned_or_forged_callback_changes_nothing(sms: SmsApp) -> None:
    action, message_id = await _reply_with_action(sms)
    sid = TwilioWebhooks.new_sid()
    unsigned = await sms.twilio.status(action, sid, "failed", "30003", signature=None)
    assert unsigned.status_code == 403
    forged = TwilioWebhooks(sms.twilio.client, "not-the-token", PUBLIC_URL)
    assert (await forged.status(action, sid, "failed", "30003")).status_code == 403
    # The message id is inside the signed URL: a real signature moved to another id is refused.
    params = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30003"}
    signed = sms.twilio.signature(f"/sms/twilio/status?m={message_id + 1}", params)
    moved = await sms.twilio.post(f"/sms/twilio/status?m={message_id}", params, signature=signed)
    assert moved.status_code == 403
    message = await _message(sms, message_id)
    assert (message.provider_id, message.status, message.error_code) == (None, "queued", None)


async def test_a_callback_without_sid_or_status_is_malformed(sms: SmsApp) -> None:
    response = await sms.twilio.post("/sms/twilio/status", {"MessageStatus": "sent"})
    assert response.status_code == 400
    response = await sms.twilio.post("/sms/twilio/status", {"MessageSid": "SM1"})
    assert response.status_code == 400


async def test_an_unknown_sid_is_acknowledged_and_ignored(sms: SmsApp) -> None:
    await sms.say("bonjour")
    response = await sms.twilio.status(STATUS_URL, TwilioWebhooks.new_sid(), "delivered")
    assert response.status_code == 200
    async with sms.services.db.transaction() as session:
        statuses = set(await session.scalars(select(Message.status)))
    assert "delivered" not in statuses


@pytest.mark.parametrize(
    ("twilio_status", "error_code", "outbox_status", "error", "unreachable"),
    [
        ("sent", None, "sent", None, False),
        ("delivered", None, "delivered", None, False),
        # Handset off or out of coverage, and "unknown": often temporary, the person stays.
        ("undelivered", "30003", "failed", "undelivered (provider error 30003)", False),
        ("undelivered", "30008", "failed", "undelivered (provider error 30008)", False),
        ("failed", "30007", "failed", "failed (provider error 30007)", False),
        # Unknown handset, landline: the number cannot receive SMS.
        ("undelivered", "30005", "failed", "undelivered (provider error 30005)", True),
        ("undelivered", "30006", "failed", "undelivered (provider error 30006)", True),
        ("failed", "30006", "failed", "failed (provider error 30006)", True),
    ],
)
async def test_an_outbox_message_gets_its_status(
    sms: SmsApp,
    twilio_status: str,
    error_code: str | None,
    outbox_status: str,
    error: str,
    unreachable: bool,
) -> None:
    await sms.say("bonjour")
    sid = TwilioWebhooks.new_sid()
    item_id = await _queued_for(sms, sid, status="sent")
    waiting = await _queued_for(sms, None)  # another message, still in our outbox
    response = await sms.twilio.status(STATUS_URL, sid, twilio_status, error_code)
    assert response.status_code == 200
    item = await _outbox(sms, item_id)
    assert (item.status, item.error) == (outbox_status, error)
    contact = await sms.contact()
    assert (contact.opted_out, contact.unreachable) == (False, unreachable)
    other = await _outbox(sms, waiting)
    if unreachable:
        assert (other.status, other.error) == ("cancelled", "unreachable")
    else:
        assert (other.status, other.error) == ("queued", None)


async def test_the_stored_outbound_message_gets_the_status_and_error(sms: SmsApp) -> None:
    await sms.say("bonjour")
    sid = TwilioWebhooks.new_sid()
    item_id = await _queued_for(sms, sid, status="sent")
    async with sms.services.db.transaction() as session:
        contact = await contacts.by_address(session, f"tel:{PERSON}")
        message = Message(
            contact_id=contact.id,
            channel="sms",
            direction="out",
            text="Rappel",
            status="queued",
            provider_id=sid,
            outbox_id=item_id,
            created_at=NOW,
        )
        session.add(message)
        await session.flush()
        message_id = message.id
    await sms.twilio.status(STATUS_URL, sid, "undelivered", "30005")
    stored = await _message(sms, message_id)
    assert (stored.status, stored.error_code) == ("undelivered", "30005")


async def test_error_21610_opts_the_person_out_and_cancels_what_is_queued(sms: SmsApp) -> None:
    await sms.say("bonjour")
    sid = TwilioWebhooks.new_sid()
    await _queued_for(sms, sid, status="sent")
    waiting = await _queued_for(sms, None)  # another message, still in our outbox
    response = await sms.twilio.status(STATUS_URL, sid, "failed", "21610")
    assert response.status_code == 200
    contact = await sms.contact()
    assert contact.opted_out
    assert (await _outbox(sms, waiting)).status == "cancelled"


async def test_an_opted_out_reply_callback_opts_out_too(sms: SmsApp) -> None:
    action, _ = await _reply_with_action(sms)
    await sms.twilio.status(action, TwilioWebhooks.new_sid(), "failed", "21610")
    assert (await sms.contact()).opted_out


async def test_a_reply_to_a_landline_marks_the_person_unreachable(sms: SmsApp) -> None:
    action, _ = await _reply_with_action(sms)
    await sms.twilio.status(action, TwilioWebhooks.new_sid(), "undelivered", "30006")
    assert (await sms.contact()).unreachable


async def test_an_unreachable_person_who_texts_again_is_reachable_again(sms: SmsApp) -> None:
    await sms.say("bonjour")
    sid = TwilioWebhooks.new_sid()
    await _queued_for(sms, sid, status="sent")
    await sms.twilio.status(STATUS_URL, sid, "undelivered", "30005")
    assert (await sms.contact()).unreachable
    assert await sms.say("menu")  # they write from that number: it reaches them
    assert not (await sms.contact()).unreachable
