"""Routes per number: SMS_ROUTES read, each number to its provider, a mixed broadcast to Malian
and French numbers sent through the phone and Twilio at each one's rate, nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.background import Background
from bot.channels import sms_preview
from bot.channels.sms_lanes import RoutedSms
from bot.channels.sms_providers import sms_channel
from bot.channels.sms_routes import SmsRoutes
from bot.services import Services
from bot.settings import Settings
from knowledge.bundle import Knowledge
from storage import outbox
from storage import stats as figures
from storage.audience import Audience
from storage.db import Database
from storage.models import Contact, OutboxItem
from tests.fakes.android_gateway import FakeAndroidGateway
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.twilio_webhooks import ACCOUNT_SID

TOKEN = "routes-token"
MALI = [f"+2237612345{n}" for n in range(8)]
FRANCE = [f"+336123456{n:02d}" for n in range(16)]
ANDROID_RATE, TWILIO_RATE = 4.0, 20.0


# -- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "provider"),
    [
        ("+223=android,*=twilio", "tel:+22376123456", "android"),
        ("+223=android,*=twilio", "tel:+33612345678", "twilio"),
        ("+2237=android,+223=smpp,*=twilio", "tel:+22376123456", "android"),
        ("+2237=android,+223=smpp,*=twilio", "tel:+22320123456", "smpp"),
        ("+223=android", "tel:+33612345678", "twilio"),  # no catch-all: the first provider
        ("", "tel:+22376123456", "twilio"),  # no rules: the first provider, as before routes
        (" +223 = Android ; * = twilio ", "tel:+22376123456", "android"),
    ],
)
def test_the_first_matching_rule_wins(raw: str, number: str, provider: str) -> None:
    routes = SmsRoutes.parse(raw, ["twilio", "android", "smpp"])
    assert routes.provider_for(number) == provider


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("+223=orange", "not configured"),
        ("+223", "is not PREFIX=PROVIDER"),
        ("223=android", "is not \\+ and digits"),
        ("+22 3=android", "is not \\+ and digits"),
    ],
)
def test_routes_that_cannot_work_are_refused_plainly(raw: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        SmsRoutes.parse(raw, ["twilio", "android"])


# -- a mixed broadcast --------------------------------------------------------------------------


@pytest.fixture
def phone() -> Iterator[FakeAndroidGateway]:
    with FakeAndroidGateway("sms", "pw") as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, TOKEN) as fake:
        yield fake


def routed_settings(db_url: str, phone: FakeAndroidGateway, twilio: FakeTwilioApi) -> Settings:
    return Settings(
        _env_file=None,
        database_url=db_url,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=TOKEN,
        twilio_from="+15005550006",
        twilio_api_url=twilio.url,
        android_sms_url=phone.url,
        android_sms_username="sms",
        android_sms_password="pw",
        android_sms_health_seconds=0,
        sms_routes="+223=android,*=twilio",
        sms_max_rate_android=ANDROID_RATE,
        sms_max_rate_twilio=TWILIO_RATE,
        quiet_hours="",  # a broadcast to France could fall in its night
        outbox_batch_size=20,
    )


async def _broadcast(services: Services, numbers: list[str], text: str) -> None:
    now = datetime.now(UTC)
    async with services.db.transaction() as session:
        for number in numbers:
            contact = Contact(address=f"tel:{number}", channel="sms", language="fr")
            session.add(contact)
            await session.flush()
            await outbox.enqueue(
                session,
                contact,
                text,
                kind="broadcast",
                source="broadcast:1",
                dedupe_key=f"broadcast:1:{contact.id}",
                now=now,
            )


def _intervals(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


async def test_a_mixed_broadcast_goes_through_each_provider_at_its_rate(
    db: Database, knowledge: Knowledge, phone: FakeAndroidGateway, twilio: FakeTwilioApi
) -> None:
    services = await Services.start(
        routed_settings(db.url, phone, twilio), knowledge=knowledge, upgrade=False
    )
    channel = sms_channel(services)
    assert channel is not None and isinstance(channel.sender, RoutedSms)
    try:
        # Interleaved, as a broadcast queues people by id: the slow phone must not hold Twilio.
        numbers = [n for pair in zip(MALI, FRANCE[:8], strict=True) for n in pair] + FRANCE[8:]
        await _broadcast(services, numbers, "Forum de la diaspora a Kayes le 12 mai.")
        background = Background(services, [channel.sender])
        assert background.dispatcher is not None
        lanes = set(background.dispatcher.senders)
        # A lane per SMS provider, no whole-channel "sms" one; Telegram is off here (its sender
        # fails its rows after their retries).
        assert lanes == {"console", "telegram", "sms:twilio", "sms:android"}
        stats = await background.dispatcher.run_until_idle()
    finally:
        await channel.stop()
        await services.close()
    assert stats.sent == len(numbers)
    # Each number through its provider, once.
    assert sorted(m["phoneNumbers"][0] for m in phone.sent) == sorted(MALI)
    assert sorted(m["To"] for m in twilio.sent) == sorted(FRANCE)
    # Each at its own rate: the phone's sends spaced by 1/4 s, Twilio's faster, and Twilio done
    # long before the phone. (The first request of each pays for opening its connection and may
    # arrive just before the second: the spacing is checked from the second on, with room for
    # the jitter of a loaded machine on each gap, and closely on the whole; Twilio's 50 ms gaps
    # are within that jitter (a connection opened for a request sent while another is under
    # way), so only its whole is checked.)
    assert min(_intervals(phone.sent_at)[1:]) >= 0.6 / ANDROID_RATE
    assert phone.sent_at[-1] - phone.sent_at[1] >= 0.95 * (len(MALI) - 2) / ANDROID_RATE
    assert twilio.sent_at[-1] - twilio.sent_at[0] >= 0.7 * (len(FRANCE) - 1) / TWILIO_RATE
    assert twilio.sent_at[-1] < phone.sent_at[-1] - 0.5
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxItem)))
        per_provider = (await figures.summary(session))["sms_by_provider"]
    assert per_provider == {"android": {"sent": len(MALI)}, "twilio": {"sent": len(FRANCE)}}
    by_number = {row.address.removeprefix("tel:"): row for row in rows}
    assert all(by_number[n].provider == "android" and by_number[n].status == "sent" for n in MALI)
    assert all(by_number[n].provider == "twilio" and by_number[n].status == "sent" for n in FRANCE)


async def test_the_preview_shows_recipients_and_segments_per_provider(
    db: Database, knowledge: Knowledge, phone: FakeAndroidGateway, twilio: FakeTwilioApi
) -> None:
    settings = routed_settings(db.url, phone, twilio)
    async with db.transaction() as session:
        for number in MALI[:3] + FRANCE[:2]:
            session.add(Contact(address=f"tel:{number}", channel="sms", language="fr"))
    long_text = "Forum de la diaspora a Kayes le 12 mai. " * 5  # 200 GSM-7 characters
    async with db.transaction() as session:
        shares = await sms_preview.sms_by_provider(session, Audience(), long_text, None, settings)
    assert [(s.provider, s.recipients, s.segments) for s in shares] == [
        ("twilio", 2, 4),
        ("android", 3, 6),
    ]


async def test_a_reply_pinned_to_a_provider_no_longer_configured_follows_the_routes(
    db: Database, knowledge: Knowledge, phone: FakeAndroidGateway, twilio: FakeTwilioApi
) -> None:
    services = await Services.start(
        routed_settings(db.url, phone, twilio), knowledge=knowledge, upgrade=False
    )
    channel = sms_channel(services)
    assert channel is not None
    try:
        async with services.db.transaction() as session:
            contact = Contact(address=f"tel:{MALI[0]}", channel="sms", language="fr")
            session.add(contact)
            await session.flush()
            # Queued for the short code, which the settings no longer configure.
            await outbox.enqueue(
                session,
                contact,
                "Votre reponse",
                kind="reply",
                source="reply:1",
                dedupe_key="reply:1",
                now=datetime.now(UTC),
                provider="smpp",
            )
        background = Background(services, [channel.sender])
        assert background.dispatcher is not None
        await background.dispatcher.run_until_idle()
    finally:
        await channel.stop()
        await services.close()
    assert [m["textMessage"]["text"] for m in phone.sent] == ["Votre reponse"]
