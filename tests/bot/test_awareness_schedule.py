"""The awareness series on its schedule: each run queues the NEXT message for each subscriber,
once per scheduled run, in the person's language and channel version; the scheduler keeps its
state in our `schedules` table and makes up a run missed while no process led."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import jobs
from bot.channels.console import ConsoleSender
from bot.dispatcher import Dispatcher, DispatcherConfig
from bot.scheduler import Poller, Scheduler, cron_trigger
from knowledge.awareness import series as load_series
from storage.db import Database
from storage.models import Contact, Message, Schedule
from tests.chat import FakeClock
from tests.outbox_rows import people, rows

SERIES = load_series()
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


async def progress(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        result = await session.execute(select(Contact.address, Contact.awareness_next))
        return dict(result.all())


async def queued_texts(db: Database) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for row in await rows(db):
        texts.setdefault(row.address, []).append(row.text)
    return texts


def test_crontab_weekdays_mean_what_they_say() -> None:
    # APScheduler 3 counts weekdays from Monday = 0; crontab from Sunday = 0.
    after = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday
    assert cron_trigger("0 10 * * 1").get_next_fire_time(None, after) == datetime(
        2026, 11, 30, 10, 0, tzinfo=UTC
    )
    assert cron_trigger("0 10 * * 0").get_next_fire_time(None, after).strftime("%A") == "Sunday"
    assert cron_trigger("0 10 * * 7").get_next_fire_time(None, after).strftime("%A") == "Sunday"


async def test_each_run_queues_the_next_message_for_each_subscriber(db: Database) -> None:
    await people(db, ["console:new"], subscribed=True)
    await people(db, ["console:third"], subscribed=True, awareness_next=3)
    await people(db, ["console:english"], subscribed=True, language="en")
    await people(db, ["tel:+22376123456"], subscribed=True)
    await people(db, ["console:done"], subscribed=True, awareness_next=len(SERIES) + 1)
    await people(db, ["console:stopped"], subscribed=True, opted_out=True)
    await people(db, ["console:blocked"], subscribed=True, unreachable=True)
    await people(db, ["tel:+22376000001"], subscribed=True, consent="pending")
    await people(db, ["console:never"])

    assert await jobs.awareness(db, MONDAY, batch=2) == 4
    texts = await queued_texts(db)
    assert texts == {
        "console:new": [SERIES.message(1).text["fr"].strip()],
        "console:third": [SERIES.message(3).text["fr"].strip()],
        "console:english": [SERIES.message(1).text["en"].strip()],
        "tel:+22376123456": [SERIES.message(1).sms["fr"].strip()],  # SMS: the short version
    }
    assert {r.kind for r in await rows(db)} == {"awareness"}
    assert (await progress(db))["console:third"] == 4

    # The same run again (a new leader repeating it): nothing moves.
    assert await jobs.awareness(db, MONDAY) == 0
    assert (await progress(db))["console:third"] == 4

    # Next week: message 2 for the newcomer, 4 for the other.
    assert await jobs.awareness(db, MONDAY + timedelta(days=7)) == 4
    texts = await queued_texts(db)
    assert texts["console:new"][1] == SERIES.message(2).text["fr"].strip()
    assert texts["console:third"][1] == SERIES.message(4).text["fr"].strip()


async def test_the_series_ends_with_its_last_message(db: Database) -> None:
    await people(db, ["console:awa"], subscribed=True, awareness_next=len(SERIES) - 1)
    week = MONDAY
    for _ in range(4):
        await jobs.awareness(db, week)
        week += timedelta(days=7)
    assert [r.text for r in await rows(db)] == [
        SERIES.message(len(SERIES) - 1).text["fr"].strip(),
        SERIES.message(len(SERIES)).text["fr"].strip(),
    ]
    async with db.transaction() as session:
        person = await session.scalar(select(Contact))
        assert person.subscribed  # still subscribed: messages added later will follow


async def test_a_run_sends_through_the_dispatcher_into_the_history(db: Database) -> None:
    await people(db, ["console:awa"], subscribed=True, country="ML")
    await jobs.awareness(db, MONDAY)
    clock = FakeClock(MONDAY)
    dispatcher = Dispatcher(
        db, {"console": ConsoleSender()}, DispatcherConfig(rates={}, worker_id="t"), clock=clock
    )
    await dispatcher.run_until_idle()
    async with db.transaction() as session:
        [message] = list(await session.scalars(select(Message)))
    assert message.text.startswith(SERIES.message(1).text["fr"].strip()[:40])
    assert (message.direction, message.status) == ("out", "delivered")


async def test_the_scheduler_seeds_schedules_and_computes_fire_times(db: Database) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=2))
    ran: list[datetime] = []

    async def job(run_at: datetime) -> int:
        ran.append(run_at)
        return 1

    scheduler = Scheduler(db, {"awareness": job}, {"awareness": "0 10 * * 1"}, clock=clock)
    await scheduler.start()
    try:
        async with db.transaction() as session:
            schedule = await session.get(Schedule, "awareness")
            assert schedule.trigger == "0 10 * * 1" and schedule.enabled
            assert schedule.next_run_at == MONDAY + timedelta(days=7)
        assert scheduler._aps.get_job("awareness").next_run_time.weekday() == 0  # Monday
        assert ran == []  # nothing was missed
    finally:
        await scheduler.stop()


async def test_a_run_missed_while_no_one_led_is_made_up_once(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Schedule(name="awareness", trigger="0 10 * * 1", next_run_at=MONDAY))
    ran: list[datetime] = []

    async def job(run_at: datetime) -> int:
        ran.append(run_at)
        return 1

    clock = FakeClock(MONDAY + timedelta(hours=3))  # the leader died at 9:59, a new one at 13:00
    scheduler = Scheduler(db, {"awareness": job}, {"awareness": "0 10 * * 1"}, clock=clock)
    await scheduler.start()
    await scheduler.stop()
    assert ran == [MONDAY]  # for the occurrence it belongs to: a repeat would be recognised
    async with db.transaction() as session:
        schedule = await session.get(Schedule, "awareness")
        assert schedule.last_run_at == MONDAY
        assert schedule.next_run_at == MONDAY + timedelta(days=7)
    await scheduler.start()  # another leader later that day: nothing to make up
    await scheduler.stop()
    assert ran == [MONDAY]


async def test_a_run_missed_long_ago_is_skipped(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Schedule(name="awareness", trigger="0 10 * * 1", next_run_at=MONDAY))
    ran: list[datetime] = []

    async def job(run_at: datetime) -> int:
        ran.append(run_at)
        return 1

    clock = FakeClock(MONDAY + timedelta(days=3))
    scheduler = Scheduler(db, {"awareness": job}, {}, clock=clock)
    await scheduler.start()
    await scheduler.stop()
    assert ran == []
    async with db.transaction() as session:
        assert (await session.get(Schedule, "awareness")).next_run_at == MONDAY + timedelta(days=7)


async def test_a_disabled_schedule_does_not_run(db: Database) -> None:
    async with db.transaction() as session:
        session.add(
            Schedule(name="awareness", trigger="0 10 * * 1", enabled=False, next_run_at=MONDAY)
        )
    ran: list[datetime] = []

    async def job(run_at: datetime) -> int:
        ran.append(run_at)
        return 1

    scheduler = Scheduler(
        db, {"awareness": job}, {}, clock=FakeClock(MONDAY + timedelta(minutes=5))
    )
    await scheduler.start()
    assert scheduler._aps.get_job("awareness") is None
    await scheduler.stop()
    assert ran == []


async def test_pollers_run_in_the_leader(db: Database) -> None:
    import asyncio

    polled: list[datetime] = []

    async def poll(now: datetime) -> int:
        polled.append(now)
        return 0

    scheduler = Scheduler(db, {}, {}, pollers=(Poller("broadcasts", 0.1, poll),))
    await scheduler.start()
    await asyncio.sleep(0.35)
    await scheduler.stop()
    assert len(polled) >= 2
