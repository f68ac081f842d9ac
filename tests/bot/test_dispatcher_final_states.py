"""Every message reaches a final state, and a slow channel does not hold the others up: rows for
a channel this service does not run end `failed` after their retries; a channel whose sends
wait long (a Telegram group at 20 a minute) leaves places in the window for the others."""

from __future__ import annotations

import asyncio
import time

from bot.background import senders
from bot.channels.base import SendResult
from bot.dispatcher import Dispatcher, DispatcherConfig
from storage.db import Database
from tests.outbox_rows import people, queue, rows, statuses


def config(**changes: object) -> DispatcherConfig:
    values: dict = {
        "rates": {"telegram": 1000.0, "sms": 1000.0},
        "worker_id": "test-worker",
        "retry_base": 0.01,
        "retry_cap": 0.01,
        "max_attempts": 3,
    }
    values.update(changes)
    return DispatcherConfig(**values)


async def test_rows_for_a_channel_that_is_off_fail_with_a_reason_after_their_retries(
    db: Database,
) -> None:
    ids = await people(db, ["tel:+22376123456", "telegram:-100500"])
    await queue(db, ids, "Rappel : le forum commence demain.")
    dispatcher = Dispatcher(db, senders([]), config())  # neither SMS nor Telegram is on
    for _ in range(3):  # each run sends what is due; the retries come due in 10 ms
        await dispatcher.run_until_idle()
        await asyncio.sleep(0.05)
    assert await statuses(db) == {"failed": 2}
    for row in await rows(db):
        assert row.attempts == 3
        assert "channel is not configured" in (row.error or "")


class Slow:
    """A channel whose every send waits (a group chat's pace, a slow provider)."""

    def __init__(self, channel: str, seconds: float) -> None:
        self.channel, self.seconds = channel, seconds
        self.done: list[float] = []

    async def send(self, address: str, text: str) -> SendResult:
        await asyncio.sleep(self.seconds)
        self.done.append(time.monotonic())
        return SendResult(ok=True, provider_id=f"{address}:{len(self.done)}")


async def test_a_slow_channel_leaves_places_for_the_others(db: Database) -> None:
    group = await people(db, [f"telegram:-100{n}" for n in range(12)])
    sms = await people(db, [f"tel:+2237612{n:04d}" for n in range(12)])
    await queue(db, group, "Question n° 1, message suivant", kind="ticket", source="ticket:1")
    await queue(db, sms, "Annonce", source="broadcast:2")
    slow, fast = Slow("telegram", 0.5), Slow("sms", 0.01)
    dispatcher = Dispatcher(db, {"telegram": slow, "sms": fast}, config(batch_size=6))
    await dispatcher.run_until_idle()
    assert len(fast.done) == len(slow.done) == 12
    # Every SMS went out while the slow channel was still sending, not after it (relative to
    # its own sends, not to the clock: a loaded machine slows both lanes).
    assert max(fast.done) < max(slow.done) - 0.5
    assert await statuses(db) == {"sent": 24}
