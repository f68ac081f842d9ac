"""Reminders before a forum: queued through the outbox, once, in each person's language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.conversation import Conversation
from bot.settings import Settings
from handlers.forum_reminders import queue_due_reminders
from knowledge.bundle import Knowledge
from tests.chat import Chat, FakeClock
from tests.handlers.forum_helpers import code_in, outbox_rows, register, with_forum

STARTS = date(2027, 3, 15)


@pytest.fixture
def confirmed_forum(knowledge: Knowledge) -> Knowledge:
    """FIDIMA with its dates confirmed and two seats."""
    return with_forum(knowledge, "fidima", dates_confirmed=True, capacity=2)


async def _registered(db, config, knowledge: Knowledge) -> dict[str, str]:  # type: ignore[no-untyped-def]
    conversation = Conversation(db, knowledge, config)
    codes = {}
    for name in ("awa", "binta", "coumba"):
        chat = Chat(conversation, f"console:{name}")
        if name == "binta":
            await chat.say("LANGUE en")
        codes[name] = code_in(await register(chat))
    return codes  # coumba is on the waitlist


def _at(clock: FakeClock, days_before: int, hour: int = 9) -> None:
    day = STARTS - timedelta(days=days_before)
    clock.now = clock.now.replace(year=day.year, month=day.month, day=day.day, hour=hour)


async def test_seven_and_one_day_before(db, config, clock: FakeClock, confirmed_forum) -> None:  # type: ignore[no-untyped-def]
    codes = await _registered(db, config, confirmed_forum)
    _at(clock, 8)
    async with db.transaction() as session:
        assert await queue_due_reminders(session, confirmed_forum, clock.now) == 0
    _at(clock, 7)
    async with db.transaction() as session:
        assert await queue_due_reminders(session, confirmed_forum, clock.now) == 2
    queued = {item.address: item for item in await outbox_rows(db)}
    assert set(queued) == {"console:awa", "console:binta"}  # not the waitlisted coumba
    awa, binta = queued["console:awa"], queued["console:binta"]
    assert awa.kind == "reminder" and awa.source == "reminder:fidima"
    assert awa.dedupe_key.startswith("reminder:fidima:7d:")
    assert "commence dans 7 jours, 15 mars 2027" in awa.text
    assert codes["awa"] in awa.text
    assert "starts in 7 days, 15 March 2027" in binta.text
    assert codes["binta"] in binta.text

    _at(clock, 1, hour=23)
    async with db.transaction() as session:
        assert await queue_due_reminders(session, confirmed_forum, clock.now) == 2
    tomorrow = [i for i in await outbox_rows(db) if ":1d:" in i.dedupe_key]
    assert len(tomorrow) == 2
    assert any("commence demain" in i.text for i in tomorrow)


async def test_running_twice_queues_nothing_new(db, config, clock, confirmed_forum) -> None:  # type: ignore[no-untyped-def]
    await _registered(db, config, confirmed_forum)
    _at(clock, 7)
    async with db.transaction() as session:
        assert await queue_due_reminders(session, confirmed_forum, clock.now) == 2
    clock.advance(hours=6)  # the same day, later
    async with db.transaction() as session:
        assert await queue_due_reminders(session, confirmed_forum, clock.now) == 0
    assert len(await outbox_rows(db)) == 2


async def test_no_reminder_for_a_forum_without_an_edition(db, config, clock, knowledge) -> None:  # type: ignore[no-untyped-def]
    await _registered(db, config, with_forum(knowledge, "fidima", capacity=2))
    _at(clock, 7)
    async with db.transaction() as session:  # the shipped knowledge: no edition, no date
        assert await queue_due_reminders(session, Knowledge.load(), clock.now) == 0


async def test_no_reminder_to_cancelled_or_stopped(db, config, clock, confirmed_forum) -> None:  # type: ignore[no-untyped-def]
    codes = await _registered(db, config, confirmed_forum)
    conversation = Conversation(db, confirmed_forum, config)
    await Chat(conversation, "console:awa").say(f"ANNULER {codes['awa']}")  # coumba promoted
    await Chat(conversation, "console:binta").say("STOP")
    _at(clock, 7)
    async with db.transaction() as session:
        assert await queue_due_reminders(session, confirmed_forum, clock.now) == 1
    reminders = [i for i in await outbox_rows(db) if i.kind == "reminder"]
    assert [i.address for i in reminders] == ["console:coumba"]


async def test_the_forums_local_date_decides(db, config, clock, knowledge) -> None:  # type: ignore[no-untyped-def]
    tokyo = with_forum(knowledge, "fidima", dates_confirmed=True, timezone="Asia/Tokyo")
    await _registered(db, config, tokyo)
    _at(clock, 8, hour=20)  # 8 days before in UTC, already 7 days before in Tokyo
    async with db.transaction() as session:
        assert await queue_due_reminders(session, tokyo, clock.now) == 3


def test_reminder_days_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).reminder_days_before == (7, 1)
    monkeypatch.setenv("REMINDER_DAYS", "14, 3,1")
    assert Settings(_env_file=None).reminder_days_before == (14, 3, 1)
    monkeypatch.setenv("REMINDER_DAYS", "sept")
    with pytest.raises(ValueError, match="REMINDER_DAYS"):
        Settings(_env_file=None)
