"""A short code over SMPP, against a fake SMSC speaking SMPP over TCP on 127.0.0.1: bind,
enquire_link, submit_sm in GSM-7, UCS-2 and concatenated parts, deliver_sm in and replies out,
delivery receipts, throttling, answers out of order, a dropped connection and the reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.background import Background
from bot.channels.sms import SmsChannel
from bot.channels.sms_providers.smpp import SmppSms
from bot.services import Services
from bot.settings import Settings
from knowledge.bundle import Knowledge
from storage import outbox
from storage.db import Database
from storage.models import Contact, Message, OutboxItem
from tests.fakes.smsc import FakeSmsc

SYSTEM_ID, PASSWORD = "diaspora", "secret"
PERSON = "22376123456"


def smpp_settings(
    port: int, db_url: str = "sqlite+aiosqlite:///:memory:", **overrides
) -> Settings:
    values = {
        "database_url": db_url,
        "smpp_host": "127.0.0.1",
        "smpp_port": port,
        "smpp_system_id": SYSTEM_ID,
        "smpp_password": PASSWORD,
        "smpp_source_addr": "38383",
        "smpp_tps": 200.0,
        "smpp_enquire_link_seconds": 30.0,
        "quiet_hours": "",
        "outbox_retry_seconds": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)


# The first turn of a test waits for the FAQ's sentence embeddings: slow on a busy machine.
async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        outcome = check()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return
        assert asyncio.get_running_loop().time() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


@pytest.fixture
async def smsc() -> AsyncIterator[FakeSmsc]:
    async with FakeSmsc(SYSTEM_ID, PASSWORD) as fake:
        yield fake


@pytest.fixture
async def smpp(smsc: FakeSmsc) -> AsyncIterator[SmppSms]:
    provider = SmppSms(smpp_settings(smsc.port))
    provider.reconnect_ms = 50
    await provider.start()
    yield provider
    await provider.close()


# -- sending --------------------------------------------------------------------------------------


async def test_submits_in_gsm7(smsc: FakeSmsc, smpp: SmppSms) -> None:
    result = await smpp.send(f"tel:+{PERSON}", "Forum de Kayes : inscriptions ouvertes")
    assert result.ok and result.provider_id == f"smpp:{smsc.submitted[0].message_id}"
    # Started without a channel to hand a person's SMS to (a `dispatch` worker): transmitter.
    assert smsc.bind_modes == ["transmitter"]
    assert smsc.texts_to(PERSON) == ["Forum de Kayes : inscriptions ouvertes"]
    assert smsc.submitted[0].data_coding == 0


async def test_text_outside_gsm7_goes_in_ucs2(smsc: FakeSmsc, smpp: SmppSms) -> None:
    nko = "ߒߞߏ ߦߋ߫ ߞߊ߬ߙߊ߲߫"  # Bambara in N'Ko: nothing to transliterate
    assert (await smpp.send(f"tel:+{PERSON}", nko)).ok
    assert smsc.submitted[0].data_coding == 8
    assert smsc.texts_to(PERSON) == [nko]


async def test_a_long_text_goes_in_concatenated_parts(smsc: FakeSmsc, smpp: SmppSms) -> None:
    text = "Le forum de la diaspora se tient a Kayes le 12 mai. " * 4  # 208 characters
    assert (await smpp.send(f"tel:+{PERSON}", text)).ok
    assert len(smsc.submitted) == 2
    assert all(sub.concat is not None and sub.concat[1] == 2 for sub in smsc.submitted)
    assert smsc.texts_to(PERSON) == [text.strip()]


LONG = "Le forum de la diaspora se tient a Kayes le 12 mai. " * 5  # 260 characters: 2 parts
ESME_RTHROTTLED, ESME_RSUBMITFAIL = 0x58, 0x45


async def test_a_throttled_part_is_sent_again_alone(smsc: FakeSmsc, smpp: SmppSms) -> None:
    smpp.throttle_pause = 0.05
    smsc.refuse_parts({2: ESME_RTHROTTLED})
    result = await smpp.send(f"tel:+{PERSON}", LONG)
    assert result.ok
    # Part 1 once, part 2 once accepted (its throttled try is not kept by the SMSC), with
    # the same reference: the handset puts them together.
    assert [sub.concat[2] for sub in smsc.submitted if sub.concat] == [1, 2]
    assert len({sub.concat[0] for sub in smsc.submitted if sub.concat}) == 1
    assert smsc.texts_to(PERSON) == [LONG.strip()]


async def test_a_part_refused_fails_the_message_with_the_reason(
    smsc: FakeSmsc, smpp: SmppSms
) -> None:
    smsc.refuse_parts({2: ESME_RSUBMITFAIL})
    result = await smpp.send(f"tel:+{PERSON}", LONG)
    assert not result.ok and result.permanent and not result.uncertain
    assert "ESME_RSUBMITFAIL" in (result.error or "")
    assert smsc.texts_to(PERSON) == []  # part 1 alone, never completed
    assert len(smsc.submitted) == 1


async def test_not_a_phone_number_is_refused_without_a_pdu(smsc: FakeSmsc, smpp: SmppSms) -> None:
    result = await smpp.send("tel:hello", "Bonjour")
    assert not result.ok and result.permanent
    assert smsc.submitted == []


async def test_enquire_link_keeps_the_session_alive(smsc: FakeSmsc) -> None:
    provider = SmppSms(smpp_settings(smsc.port, smpp_enquire_link_seconds=0.2))
    await provider.start()
    try:
        await eventually(lambda: smsc.enquire_links >= 2)
        assert smsc.binds == 1
    finally:
        await provider.close()


async def test_answers_out_of_order_reach_their_own_messages(
    smsc: FakeSmsc, smpp: SmppSms
) -> None:
    smsc.answer_in_reverse(3)
    numbers = ["22376000001", "22376000002", "22376000003"]
    results = await asyncio.gather(*(smpp.send(f"tel:+{n}", f"Bonjour {n}") for n in numbers))
    ids = {sub.destination: f"smpp:{sub.message_id}" for sub in smsc.submitted}
    assert [r.provider_id for r in results] == [ids[n] for n in numbers]


async def test_throttling_asks_the_lane_to_pause(smsc: FakeSmsc, smpp: SmppSms) -> None:
    smsc.throttle_next()
    throttled = await smpp.send(f"tel:+{PERSON}", "Bonjour")
    assert not throttled.ok and throttled.retry_after and not throttled.permanent
    assert (await smpp.send(f"tel:+{PERSON}", "Bonjour")).ok
    assert smsc.texts_to(PERSON) == ["Bonjour"]


async def test_a_dropped_connection_is_reconnected_and_nothing_goes_twice(
    smsc: FakeSmsc, smpp: SmppSms
) -> None:
    assert (await smpp.send(f"tel:+{PERSON}", "un")).ok
    smsc.drop_on_submit(1)
    lost = await smpp.send(f"tel:+{PERSON}", "deux")
    # Written, never answered: it may have been accepted, so it is not sent again on its own.
    assert not lost.ok and lost.uncertain
    assert (await smpp.send(f"tel:+{PERSON}", "trois")).ok
    assert smsc.binds == 2
    assert smsc.texts_to(PERSON) == ["un", "trois"]


async def test_a_message_sent_while_the_smsc_is_away_waits_for_the_reconnect(
    smsc: FakeSmsc, smpp: SmppSms
) -> None:
    assert (await smpp.send(f"tel:+{PERSON}", "un")).ok
    await smsc.drop()
    await eventually(lambda: not smpp.bound)  # a PDU written as the link dies is uncertain
    result = await smpp.send(f"tel:+{PERSON}", "deux")
    assert result.ok  # queued, written once bound again
    assert smsc.texts_to(PERSON) == ["un", "deux"]


async def test_a_wrong_password_never_binds_and_sends_nothing(smsc: FakeSmsc) -> None:
    provider = SmppSms(smpp_settings(smsc.port, smpp_password="wrong"))
    provider.reconnect_ms = 50
    await provider.start()
    try:
        result = await provider.send(f"tel:+{PERSON}", "Bonjour")
        assert not result.ok and not result.permanent and not result.uncertain
        assert "not bound" in (result.error or "")
        assert smsc.submitted == []
    finally:
        await provider.close()


# -- the short code in a conversation, the outbox through the SMSC -------------------------------


@contextlib.asynccontextmanager
async def open_short_code(
    db: Database, knowledge: Knowledge, smsc: FakeSmsc, **overrides: object
) -> AsyncIterator[tuple[Services, SmsChannel, SmppSms]]:
    services = await Services.start(
        smpp_settings(smsc.port, db.url, **overrides), knowledge=knowledge, upgrade=False
    )
    provider = SmppSms(services.settings)
    provider.reconnect_ms = 50
    channel = SmsChannel(services, [provider])
    await channel.start()
    try:
        yield services, channel, provider
    finally:
        await channel.stop()
        await services.close()


@pytest.fixture
async def short_code(
    db: Database, knowledge: Knowledge, smsc: FakeSmsc
) -> AsyncIterator[tuple[Services, SmsChannel, SmppSms]]:
    async with open_short_code(db, knowledge, smsc) as opened:
        yield opened


async def test_a_person_texting_the_short_code_gets_the_menu_back_over_smpp(
    short_code: tuple[Services, SmsChannel, SmppSms], smsc: FakeSmsc
) -> None:
    services, _, _ = short_code
    await smsc.deliver(PERSON, "menu")
    assert smsc.bind_modes == ["transceiver"]
    await eventually(lambda: any("Langue" in text for text in smsc.texts_to(PERSON)))
    assert smsc.delivered_acknowledged == 1

    async def replies() -> list[Message]:
        async with services.db.transaction() as session:
            return list(await session.scalars(select(Message).where(Message.direction == "out")))

    async def recorded() -> bool:  # the reply's id is recorded just after the SMSC took it
        out = await replies()
        return bool(out) and all(m.status == "sent" for m in out)

    await eventually(recorded)
    out = await replies()
    assert all(m.provider_id and m.provider_id.startswith("smpp:") for m in out)
    async with services.db.transaction() as session:
        inbound = await session.scalar(select(Message).where(Message.direction == "in"))
    assert inbound is not None and inbound.text == "menu"

    # The SMSC's receipt for the reply moves it forward.
    message_id = out[0].provider_id.removeprefix("smpp:")
    await smsc.receipt(message_id, "DELIVRD")

    async def delivered() -> bool:
        async with services.db.transaction() as session:
            return (
                await session.scalar(select(Message.status).where(Message.id == out[0].id))
                == "delivered"
            )

    await eventually(delivered)


async def _queue_broadcast(services: Services, text: str) -> None:
    async with services.db.transaction() as session:
        contact = Contact(address=f"tel:+{PERSON}", channel="sms", language="fr")
        session.add(contact)
        await session.flush()
        await outbox.enqueue(
            session,
            contact,
            text,
            kind="broadcast",
            source="broadcast:1",
            dedupe_key="b1",
            now=datetime.now(UTC),
        )


async def test_a_bulk_message_throttled_by_the_smsc_is_sent_once(
    short_code: tuple[Services, SmsChannel, SmppSms], smsc: FakeSmsc
) -> None:
    services, channel, _ = short_code
    await _queue_broadcast(services, "Forum de Kayes le 12 mai")
    smsc.throttle_next()
    worker = Background(services, [channel.sender]).dispatcher
    assert worker is not None
    stats = await worker.run_until_idle()
    assert stats.sent == 1
    async with services.db.transaction() as session:
        row = await session.scalar(select(OutboxItem))
    assert row is not None and row.status == "sent" and row.provider == "smpp"
    assert smsc.texts_to(PERSON) == ["Forum de Kayes le 12 mai"]


# -- a deliver_sm sent again by the SMSC ----------------------------------------------------------


async def _inbound(services: Services) -> list[Message]:
    async with services.db.transaction() as session:
        return list(
            await session.scalars(
                select(Message).where(Message.direction == "in").order_by(Message.id)
            )
        )


def _menus(smsc: FakeSmsc) -> list[str]:
    return [text for text in smsc.texts_to(PERSON) if "Langue" in text]


async def test_a_deliver_sm_sent_again_after_our_response_was_lost_is_answered_once(
    short_code: tuple[Services, SmsChannel, SmppSms], smsc: FakeSmsc
) -> None:
    services, _, _ = short_code
    await smsc.deliver(PERSON, "menu", response_lost=True)
    # The SMSC never got our deliver_sm_resp: it sends the same deliver_sm again, which is
    # acknowledged (ESME_ROK) like the first, so that it stops.
    await eventually(lambda: len(smsc.deliver_sm_statuses) == 2)
    assert smsc.deliver_sm_statuses == [0, 0]
    await eventually(lambda: bool(_menus(smsc)))
    await asyncio.sleep(0.5)  # time for a second answer, were there one
    assert len(_menus(smsc)) == 1
    [stored] = await _inbound(services)
    assert stored.text == "menu" and stored.provider_id.startswith("smpp:mo:")


async def test_a_deliver_sm_sent_again_after_a_reconnect_is_answered_once(
    short_code: tuple[Services, SmsChannel, SmppSms], smsc: FakeSmsc
) -> None:
    services, _, provider = short_code
    await smsc.deliver(PERSON, "menu")
    await eventually(lambda: bool(_menus(smsc)))
    await smsc.drop()  # the link died before the SMSC recorded our response
    await eventually(lambda: not provider.bound)
    await smsc.redeliver()  # waits for the bind
    await eventually(lambda: len(smsc.deliver_sm_statuses) == 2)
    await asyncio.sleep(0.5)
    assert len(_menus(smsc)) == 1
    assert len(await _inbound(services)) == 1


async def test_a_deliver_sm_sent_again_after_a_restart_is_answered_once(
    db: Database, knowledge: Knowledge, smsc: FakeSmsc
) -> None:
    # Half a second before a new 60-second window: the redelivery comes in the next one.
    first = datetime.fromtimestamp((time.time() // 60 + 1) * 60 - 0.5, UTC)
    async with open_short_code(db, knowledge, smsc) as (services, _, _):
        _clock(services, first)
        await smsc.deliver(PERSON, "menu")
        await eventually(lambda: bool(_menus(smsc)))
    # The service restarted (nothing in memory) before the SMSC sent the message again.
    async with open_short_code(db, knowledge, smsc) as (services, _, _):
        _clock(services, first + timedelta(seconds=1))
        await smsc.redeliver()
        await eventually(lambda: len(smsc.deliver_sm_statuses) == 2)
        await asyncio.sleep(0.5)
        assert len(_menus(smsc)) == 1
        assert len(await _inbound(services)) == 1


def _clock(services: Services, at: datetime) -> None:
    conversation = services.conversation
    conversation.config = dataclasses.replace(conversation.config, clock=lambda: at)


async def test_the_same_text_again_after_the_window_is_a_new_message(
    db: Database, knowledge: Knowledge, smsc: FakeSmsc
) -> None:
    async with open_short_code(db, knowledge, smsc, smpp_redelivery_seconds=0.5) as opened:
        services = opened[0]
        await smsc.deliver(PERSON, "menu")
        await eventually(lambda: len(_menus(smsc)) == 1)
        await asyncio.sleep(1.1)  # two windows later: the person asked again
        await smsc.deliver(PERSON, "menu")
        await eventually(lambda: len(_menus(smsc)) == 2)
        # Another person's equal text is theirs, never a redelivery of the first one's.
        await smsc.deliver("22365000001", "menu")
        await eventually(lambda: len(smsc.texts_to("22365000001")) == 1)
        stored = await _inbound(services)
        assert [m.text for m in stored] == ["menu"] * 3
        assert len({m.provider_id for m in stored}) == 3


async def test_a_bulk_message_with_a_refused_part_ends_failed_not_unknown(
    short_code: tuple[Services, SmsChannel, SmppSms], smsc: FakeSmsc
) -> None:
    services, channel, _ = short_code
    await _queue_broadcast(services, LONG)
    smsc.refuse_parts({2: ESME_RSUBMITFAIL})
    worker = Background(services, [channel.sender]).dispatcher
    assert worker is not None
    stats = await worker.run_until_idle()
    assert stats.failed == 1 and stats.unknown == 0
    async with services.db.transaction() as session:
        row = await session.scalar(select(OutboxItem))
    assert row is not None and row.status == "failed" and row.attempts == 1
    assert "ESME_RSUBMITFAIL" in (row.error or "")
    assert len(smsc.submitted) == 1  # the accepted part was not sent again
