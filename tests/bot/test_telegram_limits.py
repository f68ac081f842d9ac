"""One rate limiter per kind of Telegram send: the dispatcher paces bulk sends alone (a 429
comes straight back to it), replies are limited per bot and per chat and retried after a 429."""

from __future__ import annotations

import time

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram_limits import PACED_BY_DISPATCHER, TelegramRateLimiter
from bot.dispatcher import Dispatcher, DispatcherConfig
from storage.db import Database
from tests.fakes.telegram_api import FakeBotApi
from tests.outbox_rows import people, queue, rows
from tests.telegram_sender import PtbSender


class Calls:
    """A Bot API call that answers 429 the first `refusals` times."""

    def __init__(self, refusals: int = 0, retry_after: int = 1) -> None:
        self.refusals, self.retry_after = refusals, retry_after
        self.at: list[float] = []

    async def __call__(self) -> dict:
        self.at.append(time.monotonic())
        if len(self.at) <= self.refusals:
            raise RetryAfter(self.retry_after)
        return {"ok": True}


async def call(limiter: TelegramRateLimiter, api: Calls, chat_id: int, args: str | None = None):  # noqa: ANN201
    return await limiter.process_request(api, (), {}, "sendMessage", {"chat_id": chat_id}, args)


async def test_a_reply_refused_with_429_is_sent_again_after_retry_after() -> None:
    limiter, api = TelegramRateLimiter(30.0), Calls(refusals=1, retry_after=1)
    assert await call(limiter, api, 42) == {"ok": True}
    assert len(api.at) == 2
    assert api.at[1] - api.at[0] >= 1.0


async def test_a_paced_send_is_neither_held_nor_retried_by_the_reply_limiter() -> None:
    limiter, api = TelegramRateLimiter(1.0), Calls(refusals=1, retry_after=30)
    with pytest.raises(RetryAfter):  # straight back to the dispatcher, which re-queues the row
        await call(limiter, api, 42, PACED_BY_DISPATCHER)
    started = time.monotonic()
    for _ in range(10):
        await call(limiter, api, 42, PACED_BY_DISPATCHER)
    assert time.monotonic() - started < 1.0  # at 1/s the reply limits would take 9 s


async def test_replies_to_one_person_go_at_about_one_a_second_after_a_short_burst() -> None:
    limiter, api = TelegramRateLimiter(30.0), Calls()
    for _ in range(5):
        await call(limiter, api, 42)
    assert api.at[2] - api.at[0] < 0.5  # one turn's three replies are not held apart
    assert api.at[4] - api.at[2] >= 1.5  # then about one a second
    other = Calls()
    await call(limiter, other, 43)  # another person is not held by the first one's limit
    assert other.at[0] - api.at[4] < 0.5


@pytest.fixture
def api() -> FakeBotApi:
    with FakeBotApi() as fake:
        yield fake


async def test_a_429_longer_than_the_send_timeout_is_a_paced_retry_not_unknown(
    db: Database, api: FakeBotApi
) -> None:
    """The real sender under the dispatcher: the row waits for retry_after in the queue (no
    wait inside the send, which would outlast `send_timeout` and make the row `unknown`)."""
    [person] = await people(db, ["telegram:7"])
    await queue(db, [person], "Annonce")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    sender = PtbSender(api.url)
    await sender.start()
    started = time.monotonic()
    try:
        config = DispatcherConfig(rates={"telegram": 1000.0}, worker_id="w", send_timeout=1.0)
        stats = await Dispatcher(db, {"telegram": sender}, config).run_until_idle()
    finally:
        await sender.stop()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("sent", 1)  # a 429 is not the message's fault
    assert (stats.unknown, stats.retried) == (0, 1)
    assert api.texts_to(7) == ["Annonce"]
    assert time.monotonic() - started >= 2.0


async def test_bulk_sends_are_paced_by_the_dispatcher_only(db: Database, api: FakeBotApi) -> None:
    ids = await people(db, [f"telegram:{n}" for n in range(1, 31)])
    await queue(db, ids, "Annonce")
    sender = PtbSender(api.url, reply_rate=2.0)  # replies' limit: 2/s for the whole bot
    await sender.start()
    started = time.monotonic()
    try:
        config = DispatcherConfig(rates={"telegram": 1000.0}, worker_id="w")
        stats = await Dispatcher(db, {"telegram": sender}, config).run_until_idle()
    finally:
        await sender.stop()
    assert stats.sent == 30
    assert time.monotonic() - started < 10  # 2/s would take 15 s
    assert all(api.texts_to(n) == ["Annonce"] for n in range(1, 31))
