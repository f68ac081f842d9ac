"""The dispatcher: every row sent once, at the channel's rate, with retries, pauses, STOP and
quiet hours honoured. End-to-end tests talk to the fake Bot API through a real PTB Bot; the pure
logic tests (backoff arithmetic, quiet hours, the in-flight bound) use a scripted sender."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.channels.base import SendResult
from bot.channels.console import ConsoleSender
from bot.conversation import Conversation
from bot.dispatcher import Dispatcher, DispatcherConfig, sms_cost
from bot.quiet_hours import QuietHours
from storage.db import Database
from storage.models import Contact, OutboxItem
from tests.chat import Chat, FakeClock
from tests.fakes.telegram_api import FakeBotApi
from tests.outbox_rows import logged, people, queue, rows, statuses
from tests.telegram_sender import PtbSender


@pytest.fixture
def api() -> AsyncIterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def telegram(api: FakeBotApi) -> AsyncIterator[PtbSender]:
    sender = PtbSender(api.url)
    await sender.start()
    yield sender
    await sender.stop()


def config(**changes: object) -> DispatcherConfig:
    values: dict = {"rates": {"telegram": 1000.0, "sms": 1000.0}, "worker_id": "test-worker"}
    values.update(changes)
    return DispatcherConfig(**values)


class Scripted:
    """A sender whose answers a test writes: `answer(address, attempt) -> SendResult`."""

    def __init__(self, channel: str, answer: Callable[[str, int], SendResult] | None = None):
        self.channel = channel
        self.answer = answer or (lambda address, attempt: SendResult(ok=True, provider_id="x"))
        self.calls: list[tuple[str, str, float]] = []

    async def send(self, address: str, text: str) -> SendResult:
        self.calls.append((address, text, time.monotonic()))
        attempt = sum(1 for a, _, _ in self.calls if a == address)
        return self.answer(address, attempt)


# -- end to end, through the fake Bot API ------------------------------------------------------


async def test_a_broadcast_reaches_everyone_once(db: Database, api, telegram) -> None:
    ids = await people(db, [f"telegram:{100 + n}" for n in range(40)])
    await queue(db, ids, "Forum FIDIMA : inscriptions ouvertes")
    stats = await Dispatcher(db, {"telegram": telegram}, config()).run_until_idle()
    assert stats.sent == 40
    for n in range(40):
        assert api.texts_to(100 + n) == ["Forum FIDIMA : inscriptions ouvertes"]
    assert await statuses(db) == {"sent": 40}
    log = await logged(db)
    assert len(log) == 40
    assert {m.direction for m in log} == {"out"}
    assert {m.contact_id for m in log} == set(ids)
    assert all(r.provider_id and r.sent_at for r in await rows(db))


async def test_a_person_who_blocked_the_bot_becomes_unreachable(
    db: Database, api, telegram
) -> None:
    ids = await people(db, ["telegram:1", "telegram:2", "telegram:3"])
    await queue(db, ids, "Annonce 1", source="broadcast:1")
    await queue(db, ids, "Annonce 2", source="broadcast:2")
    api.block(2)
    await Dispatcher(db, {"telegram": telegram}, config(batch_size=3)).run_until_idle()
    assert api.texts_to(1) == ["Annonce 1", "Annonce 2"]
    assert api.texts_to(2) == []
    blocked = [r for r in await rows(db) if r.contact_id == ids[1]]
    assert sorted(r.status for r in blocked) == ["cancelled", "failed"]
    assert any(r.error == "forbidden" for r in blocked)  # the 403, in the sender's words
    async with db.transaction() as session:
        assert (await session.get(Contact, ids[1])).unreachable


async def test_retry_after_pauses_the_channel_and_the_message_still_goes(
    db: Database, api, telegram
) -> None:
    ids = await people(db, [f"telegram:{n}" for n in range(1, 6)])
    await queue(db, ids, "Annonce")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    dispatcher = Dispatcher(db, {"telegram": telegram}, config(poll_interval=0.1))
    started = time.monotonic()
    await dispatcher.start()
    try:
        while (await statuses(db)).get("sent", 0) < 5:
            assert time.monotonic() - started < 20, await statuses(db)
            await asyncio.sleep(0.1)
    finally:
        await dispatcher.stop()
    # The refused message waited for retry_after; nothing was sent twice.
    assert time.monotonic() - started >= 1.0
    assert all(len(api.texts_to(n)) == 1 for n in range(1, 6))
    assert [r.attempts for r in await rows(db)] == [1] * 5  # a 429 is not the message's fault


async def test_a_failing_channel_is_retried_with_backoff(db: Database, api, telegram) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    [person] = await people(db, ["telegram:9"])
    await queue(db, [person], "Annonce", now=clock.now)
    api.fail_next("sendMessage", 500, "Internal Server Error", times=2)
    dispatcher = Dispatcher(db, {"telegram": telegram}, config(retry_base=30), clock=clock)
    await dispatcher.run_until_idle()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == clock.now + timedelta(seconds=30)
    clock.advance(seconds=30)
    await dispatcher.run_until_idle()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("queued", 2)
    assert row.next_attempt_at == clock.now + timedelta(seconds=60)
    clock.advance(seconds=59)
    await dispatcher.run_until_idle()  # not due yet
    assert api.texts_to(9) == []
    clock.advance(seconds=1)
    await dispatcher.run_until_idle()
    assert api.texts_to(9) == ["Annonce"]
    assert (await rows(db))[0].status == "sent"


async def test_stop_in_the_middle_of_a_broadcast(
    db: Database, api, conversation: Conversation
) -> None:
    ids = await people(db, [f"telegram:{n}" for n in range(1, 41)])
    await queue(db, ids, "Annonce")
    claimed_when_stopped: list[str] = []

    class StopsMidway(PtbSender):
        async def send(self, address: str, text: str) -> SendResult:
            if address == "telegram:2":
                # Person 15's row is claimed (in this worker's window) but not yet sent; person
                # 30's is still queued. Both say STOP now, through the real conversation.
                async with db.transaction() as session:
                    claimed_when_stopped.extend(
                        await session.scalars(
                            select(OutboxItem.status).where(OutboxItem.address == "telegram:15")
                        )
                    )
                for who in ("telegram:15", "telegram:30"):
                    await Chat(conversation, who, "telegram").say("STOP")
            return await super().send(address, text)

    sender = StopsMidway(api.url)
    await sender.start()
    # 20 a second: the first claim takes 20 rows, checked in groups of 5 just before sending.
    await Dispatcher(db, {"telegram": sender}, config(rates={"telegram": 20.0})).run_until_idle()
    await sender.stop()
    assert claimed_when_stopped == ["sending"]
    assert api.texts_to(15) == [] and api.texts_to(30) == []
    assert all(api.texts_to(n) == ["Annonce"] for n in range(1, 41) if n not in (15, 30)), [
        (r.address, r.status, r.error) for r in await rows(db) if r.status != "sent"
    ]
    by_address = {r.address: r for r in await rows(db)}
    assert (by_address["telegram:15"].status, by_address["telegram:15"].error) == (
        "cancelled",
        "opted out",
    )
    assert by_address["telegram:30"].status == "cancelled"
    assert await statuses(db) == {"sent": 38, "cancelled": 2}


# -- pure dispatcher logic, with a scripted sender ---------------------------------------------


async def test_transient_failures_back_off_then_give_up(db: Database) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    [person] = await people(db, ["tel:+22376123456"])
    await queue(db, [person], "Annonce", now=clock.now)
    sender = Scripted("sms", lambda a, n: SendResult(ok=False, error="30008 unknown error"))
    dispatcher = Dispatcher(
        db, {"sms": sender}, config(max_attempts=4, retry_base=10, quiet_hours=None), clock=clock
    )
    waits = []
    for _ in range(4):
        await dispatcher.run_until_idle()
        [row] = await rows(db)
        if row.status != "queued":
            break
        waits.append((row.next_attempt_at - clock.now).total_seconds())
        clock.now = row.next_attempt_at
    assert waits == [10, 20, 40]
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.error == "gave up after 4: 30008 unknown error"
    assert len(sender.calls) == 4


async def test_a_permanent_failure_is_recorded_with_its_reason(db: Database) -> None:
    [person] = await people(db, ["tel:+22376123456"])
    await queue(db, [person], "Annonce")
    sender = Scripted(
        "sms", lambda a, n: SendResult(ok=False, error="21211 invalid number", permanent=True)
    )
    await Dispatcher(db, {"sms": sender}, config()).run_until_idle()
    [row] = await rows(db)
    assert (row.status, row.error, row.attempts) == ("failed", "21211 invalid number", 1)
    assert len(sender.calls) == 1


async def test_a_provider_opt_out_stops_everything_for_that_person(db: Database) -> None:
    [person] = await people(db, ["tel:+22376123456"])
    await queue(db, [person], "Annonce 1", source="broadcast:1")
    await queue(db, [person], "Annonce 2", source="broadcast:2")
    sender = Scripted(
        "sms", lambda a, n: SendResult(ok=False, error="21610 unsubscribed", opted_out=True)
    )
    await Dispatcher(db, {"sms": sender}, config(batch_size=1)).run_until_idle()
    assert len(sender.calls) == 1
    assert sorted(r.status for r in await rows(db)) == ["cancelled", "failed"]
    async with db.transaction() as session:
        assert (await session.get(Contact, person)).opted_out


async def test_an_uncertain_send_is_never_retried(db: Database) -> None:
    [person] = await people(db, ["tel:+22376123456"])
    await queue(db, [person], "Annonce")
    sender = Scripted("sms", lambda a, n: SendResult(ok=False, error="timeout", uncertain=True))
    await Dispatcher(db, {"sms": sender}, config()).run_until_idle()
    [row] = await rows(db)
    assert row.status == "unknown"
    assert len(sender.calls) == 1


async def test_quiet_hours_follow_each_persons_time_zone(db: Database) -> None:
    # 21:30 UTC on a Monday in November: 22:30 in Paris, 21:30 in Bamako, 16:30 in New York.
    clock = FakeClock(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))
    [paris] = await people(db, ["console:paris"], country="FR")
    [bamako] = await people(db, ["console:bamako"], country="ML")
    [new_york] = await people(db, ["console:ny"], country="US")
    # No country: the phone number tells (+1 212: New York; +33: France).
    phone_ny, phone_fr = await people(db, ["tel:+12125550123", "tel:+33612345678"])
    everyone = [paris, bamako, new_york, phone_ny, phone_fr]
    await queue(db, everyone, "Annonce", now=clock.now)
    sms = Scripted("sms")
    dispatcher = Dispatcher(
        db,
        {"console": ConsoleSender(), "sms": sms},
        config(quiet_hours=QuietHours.parse("21:00-08:00")),
        clock=clock,
    )
    await dispatcher.run_until_idle()
    state = {r.address: r for r in await rows(db)}
    assert state["console:ny"].status == "delivered"
    assert [a for a, _, _ in sms.calls] == ["tel:+12125550123"]
    # The others wait for 08:00 in their own zone (Paris is UTC+1 in November).
    assert state["console:paris"].next_attempt_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert state["console:bamako"].next_attempt_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert state["tel:+33612345678"].next_attempt_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert state["console:paris"].attempts == 0  # waiting is not an attempt

    clock.now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 Paris, 07:00 Bamako
    await dispatcher.run_until_idle()
    state = {r.address: r for r in await rows(db)}
    assert state["console:paris"].status == "delivered"
    assert state["tel:+33612345678"].status == "sent"
    assert state["console:bamako"].status == "queued"
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    await dispatcher.run_until_idle()
    assert await statuses(db) == {"delivered": 3, "sent": 2}


async def test_quiet_hours_off_when_empty(db: Database) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    [person] = await people(db, ["console:night"], country="ML")
    await queue(db, [person], "Annonce", now=clock.now)
    config_off = config(quiet_hours=QuietHours.parse(""))
    await Dispatcher(db, {"console": ConsoleSender()}, config_off, clock=clock).run_until_idle()
    assert await statuses(db) == {"delivered": 1}


async def test_a_staff_answer_reaches_a_person_who_opted_out_of_bulk_messages(
    db: Database,
) -> None:
    """STOP stops announcements, not the answer to the person's own question."""
    [person] = await people(db, ["console:stopped"], opted_out=True)
    await queue(db, [person], "Annonce", kind="broadcast", source="broadcast:1")
    await queue(db, [person], "Votre réponse", kind="ticket", source="ticket:1")
    await Dispatcher(db, {"console": ConsoleSender()}, config()).run_until_idle()
    state = {r.kind: (r.status, r.error) for r in await rows(db)}
    assert state == {"broadcast": ("cancelled", "opted out"), "ticket": ("delivered", None)}


async def test_a_relative_who_has_not_agreed_gets_only_the_invitation(db: Database) -> None:
    [relative] = await people(db, ["tel:+22376123456"], consent="pending")
    await queue(db, [relative], "Invitation", kind="invitation", source="invitation:1")
    await queue(db, [relative], "Annonce", kind="broadcast", source="broadcast:1")
    sms = Scripted("sms")
    await Dispatcher(db, {"sms": sms}, config()).run_until_idle()
    assert [text for _, text, _ in sms.calls] == ["Invitation"]
    assert sorted(r.status for r in await rows(db)) == ["cancelled", "sent"]


async def test_sms_rate_counts_segments(db: Database) -> None:
    long_text = "Message de sensibilisation. " * 8  # 224 GSM-7 characters: 2 segments
    assert sms_cost(long_text) == 2
    ids = await people(db, [f"tel:+2237612345{n}" for n in range(3)])
    await queue(db, ids, long_text)
    sms = Scripted("sms")
    await Dispatcher(db, {"sms": sms}, config(rates={"sms": 10.0})).run_until_idle()
    times = [at for _, _, at in sms.calls]
    assert len(times) == 3
    # 10 segments a second and 2 segments each: one SMS every 0.2 s at most.
    assert all(b - a >= 0.19 for a, b in zip(times, times[1:], strict=False))


async def test_at_most_one_batch_is_in_flight_and_a_crash_leaves_it_unknown(
    db: Database,
) -> None:
    ids = await people(db, [f"tel:+2237600{n:04d}" for n in range(60)])
    await queue(db, ids, "Annonce")
    hanging = asyncio.Event()

    class Hangs:
        channel = "sms"

        async def send(self, address: str, text: str) -> SendResult:
            hanging.set()
            await asyncio.Event().wait()  # the provider never answers: we "crash" meanwhile
            raise AssertionError("unreachable")

    first = Dispatcher(db, {"sms": Hangs()}, config(batch_size=20, worker_id="w1"))
    await first.start()
    await asyncio.wait_for(hanging.wait(), 10)
    await asyncio.sleep(0.3)
    for task in [*first._tasks, *first._sending]:  # a crash: nothing gets to finish
        task.cancel()
    await asyncio.sleep(0)
    assert await statuses(db) == {"sending": 20, "queued": 40}
    # The restarted worker turns the claimed rows into `unknown` and sends only the rest.
    sms = Scripted("sms")
    restarted = Dispatcher(db, {"sms": sms}, config(batch_size=20, worker_id="w1"))
    await restarted.run_until_idle()
    assert await statuses(db) == {"unknown": 20, "sent": 40}
    unknown = {r.address for r in await rows(db) if r.status == "unknown"}
    assert unknown.isdisjoint(a for a, _, _ in sms.calls)
