"""The dispatcher: drains the outbox through each channel's sender, at each channel's rate.

Per channel, a loop claims a few due rows, checks each person again (STOP wins even over a
claimed row; quiet hours in their local time), spaces the sends with a pacer, and hands each row
to the channel's `Sender`. A single recorder task writes the outcomes in batches.

The crash guarantee (docs/architecture.md, "Outbox guarantee") rests on three rules:

1. A row is marked `sending` in a COMMITTED transaction before its provider call starts.
2. At most `batch_size` rows per worker are `sending` at any moment: a claim takes only free
   places in the worker's window, and a place is given back only once the row's outcome is
   committed.
3. A row found `sending` at start-up (or claimed too long ago) becomes `unknown`, which nothing
   ever sends again on its own; staff may choose to resend it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels.base import Sender, SendResult
from bot.quiet_hours import QuietHours, zone_for
from knowledge.addresses import mask
from knowledge.gsm7 import segments, transliterate
from storage import outbox
from storage.db import Database
from storage.models import utcnow
from storage.outbox import Claimed, Outcome, Recipient

logger = logging.getLogger(__name__)

# How far ahead a channel claims, in seconds of its rate: enough to keep the pacer fed, little
# enough that a claimed row waits at most about this long before its provider call.
CLAIM_AHEAD_SECONDS = 1.0
# Rows are checked against the person's latest state (STOP, unreachable) in groups covering at
# most this much sending time: STOP wins unless it arrives within this window before the call.
RECHECK_SECONDS = 0.25
# Kinds that answer the person's own question: they are not bulk, so they ignore quiet hours
# and go even to someone who opted out of bulk messages (STOP). On SMS the provider still
# refuses a number that opted out with it (Twilio 21610), and that is recorded.
REPLY_KIND = "reply"  # a chat's reply that could not be sent at once (bot/channels/telegram.py)
QUIET_EXEMPT_KINDS = ANSWER_KINDS = frozenset({"ticket", REPLY_KIND})
# The only kind sent to a relative who has not yet said yes (family enrolment).
CONSENT_KINDS = frozenset({"invitation"})
RECORD_BATCH = 500
RECORD_GATHER_SECONDS = 0.005


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lane_claim(sender: Sender) -> dict:
    """What a lane's sender adds to its claim: an SMS provider's lane (several providers, routes
    per number) takes only the rows routed or pinned to it (bot/channels/sms_lanes.py). Other
    senders are the whole channel: their key in `senders` is the channel's name."""
    provider = getattr(sender, "provider", None)
    return (
        {"provider": provider, "where": getattr(sender, "claim_where", None)} if provider else {}
    )


def sms_cost(text: str) -> int:
    """SMS rate limits count segments, as carriers bill them."""
    return max(1, segments(transliterate(text)).segments)


@dataclass(frozen=True)
class DispatcherConfig:
    rates: dict[str, float]  # channel -> messages a second (SMS: segments a second)
    batch_size: int = 20  # the most rows a worker holds `sending` at once
    max_attempts: int = 5
    retry_base: float = 30.0  # seconds before the first retry; doubles each time
    retry_cap: float = 3600.0
    quiet_hours: QuietHours | None = None
    stale_after: float = 300.0  # a claim older than this belongs to a dead worker
    poll_interval: float = 1.0  # how often an idle channel looks for due rows
    send_timeout: float = 60.0  # a provider call that takes longer counts as "no answer"
    worker_id: str = field(default_factory=default_worker_id)
    only_worker: bool = False  # SQLite: every `sending` row at start-up is ours


class Pacer:
    """Spaces one channel's sends so they never exceed `rate` units a second (no bursts), and
    pauses the channel when the provider asks (Telegram's retry_after)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("a channel's rate must be positive")
        self.rate = rate
        self._clock = clock
        self._next = 0.0
        self.paused_until = 0.0

    def delay(self) -> float:
        """Seconds until a send could start."""
        return max(0.0, self._next - self._clock(), self.paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self._clock() + seconds)

    async def wait_ready(self) -> None:
        # A deadline that moves (a pause may be extended), not an event: sleep and look again.
        while (delay := self.delay()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait for this send's slot. Slots are absolute times 1/rate apart, so sleep jitter
        does not accumulate; a slot missed while idle is not made up later (no burst)."""
        while True:
            now = self._clock()
            start = max(self._next, now, self.paused_until)
            self._next = start + cost / self.rate
            if start > now:
                await asyncio.sleep(start - now)
            if self.paused_until <= start:  # no pause was asked for while we slept
                return


class Window:
    """Places for rows in flight in this worker: the bound on what a crash can leave unknown."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.free = size
        self._freed = asyncio.Event()

    async def take(self, most: int, least: int = 1) -> int:
        """Take up to `most` places, once at least `least` are free (fewer, larger claims)."""
        least = max(1, min(least, most, self.size))
        while self.free < least:
            self._freed.clear()
            await self._freed.wait()
        taken = min(most, self.free)
        self.free -= taken
        return taken

    def give(self, count: int) -> None:
        self.free += count
        assert self.free <= self.size, "gave back more places than were taken"
        self._freed.set()

    async def wait_freed(self) -> None:
        self._freed.clear()
        await self._freed.wait()

    @property
    def in_flight(self) -> int:
        return self.size - self.free


@dataclass
class Stats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    deferred: int = 0  # quiet hours
    unknown: int = 0


class Dispatcher:
    """`senders`: one per lane, keyed by the lane's name: a channel's name ("telegram", "sms"),
    or "sms:<provider>" when SMS routes spread numbers over several providers, each lane with
    its own rate and pacer."""

    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        config: DispatcherConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.senders = senders
        self.config = config
        self.clock = clock
        self.worker = config.worker_id
        self.window = Window(config.batch_size)
        # Places each channel holds, and the channel of each claimed row: a slow channel (a
        # Telegram group's 20 a minute) may not hold the places the others need (`_share`).
        self._held = dict.fromkeys(senders, 0)
        self._channel_of: dict[int, str] = {}
        self.pacers = {channel: Pacer(self._rate(channel)) for channel in senders}
        self.stats = Stats()
        self._results: asyncio.Queue[Outcome | None] = asyncio.Queue()
        # Claimed rows whose outcome is not yet known: the recorder waits for them (briefly)
        # to write many outcomes in one transaction, and not a moment longer once all are in.
        self._awaiting = 0
        self._sending: set[asyncio.Task] = set()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def _rate(self, channel: str) -> float:
        return self.config.rates.get(channel, math.inf) or math.inf

    # -- life ---------------------------------------------------------------------------------

    async def recover(self) -> int:
        """Rows a dead worker left `sending` become `unknown` (never re-sent on their own)."""
        stale_before = self.clock() - timedelta(seconds=self.config.stale_after)
        async with self.db.transaction() as session:
            count = await outbox.recover(
                session,
                worker=self.worker,
                stale_before=stale_before,
                everyone=self.config.only_worker,
            )
        if count:
            logger.warning(
                "%d outbox messages were interrupted while sending and are now 'unknown': "
                "see `diaspora-bot outbox list --status unknown`",
                count,
            )
        return count

    async def start(self) -> None:
        """Recover, then run the channel loops in the background until `stop()`."""
        await self.recover()
        self._tasks = [asyncio.create_task(self._record_loop(), name="outbox-recorder")]
        self._tasks += [
            asyncio.create_task(self._channel_loop(channel), name=f"outbox-{channel}")
            for channel in self.senders
        ]
        self._tasks.append(asyncio.create_task(self._sweep_loop(), name="outbox-sweep"))
        logger.info(
            "dispatcher %s on: %s",
            self.worker,
            ", ".join(f"{c} at {self._rate(c):g}/s" for c in self.senders) or "no channel",
        )

    async def stop(self, grace: float = 30.0) -> None:
        """Stop claiming, let rows in flight finish and their outcomes be written."""
        self._stopping.set()
        loops = [t for t in self._tasks if t.get_name() != "outbox-recorder"]
        recorder = [t for t in self._tasks if t.get_name() == "outbox-recorder"]
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*loops, return_exceptions=True), grace)
        if self._sending:
            await asyncio.wait(self._sending, timeout=grace)
        self._results.put_nowait(None)
        if recorder:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*recorder, return_exceptions=True), grace)
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def run_until_idle(self) -> Stats:
        """Recover, send every row due now, and return (for the CLI and tests)."""
        await self.recover()
        recorder = asyncio.create_task(self._record_loop())
        await asyncio.gather(*(self._channel_loop(c, until_idle=True) for c in self.senders))
        if self._sending:
            await asyncio.wait(self._sending)
        self._results.put_nowait(None)
        await recorder
        return self.stats

    # -- claiming and sending -----------------------------------------------------------------

    def _reserve(self) -> int:
        """Places kept for each channel whatever the others hold."""
        return max(1, self.config.batch_size // (2 * len(self.senders)))

    def _share(self) -> int:
        """The most places one channel may hold: the window less the places kept for each other
        channel, so that a channel whose sends wait long never starves the others."""
        others = len(self.senders) - 1
        if others <= 0:
            return self.config.batch_size
        return max(1, self.config.batch_size - self._reserve() * others)

    def _give(self, channel: str, count: int) -> None:
        self._held[channel] -= count
        self.window.give(count)

    def _claim_size(self, channel: str) -> int:
        ahead = self._rate(channel) * CLAIM_AHEAD_SECONDS
        if math.isinf(ahead):
            return self.config.batch_size
        if self.senders[channel].channel == "sms":
            ahead /= 1.2  # an SMS is often more than one segment: claim a little less
        return max(1, min(self.config.batch_size, math.ceil(ahead)))

    async def _channel_loop(self, channel: str, until_idle: bool = False) -> None:
        pacer = self.pacers[channel]
        while not self._stopping.is_set():
            await pacer.wait_ready()
            size = min(self._claim_size(channel), self._share() - self._held[channel])
            if size <= 0:  # this channel's share is in flight: wait for one of its places
                await self.window.wait_freed()
                continue
            # Fewer, larger claims; but never wait for more than the places kept for us.
            least = min((size + 1) // 2, self._reserve())
            places = await self.window.take(size, least=least)
            self._held[channel] += places
            if self._stopping.is_set():
                self._give(channel, places)
                return
            try:
                async with self.db.transaction() as session:
                    rows = await outbox.claim(
                        session,
                        channel=self.senders[channel].channel,
                        worker=self.worker,
                        now=self.clock(),
                        limit=places,
                        **lane_claim(self.senders[channel]),
                    )
                    # The first check of these people, in the same transaction as the claim.
                    people = await outbox.recipients(session, {r.contact_id for r in rows})
                checked_at = time.monotonic()
            except Exception:
                self._give(channel, places)
                logger.exception("could not claim %s outbox rows; trying again", channel)
                await self._pause(self.config.poll_interval * 5)
                continue
            if len(rows) < places:
                self._give(channel, places - len(rows))
            for row in rows:
                self._channel_of[row.id] = channel
            self._awaiting += len(rows)
            if rows:
                await self._dispatch(channel, rows, people, checked_at)
                continue
            if until_idle:
                if not self._in_flight(channel):
                    return
                await asyncio.sleep(0.01)  # retries of rows in flight may come due
            else:
                await self._pause(self.config.poll_interval)

    def _in_flight(self, channel: str) -> bool:
        return any(t.get_name() == f"send-{channel}" for t in self._sending) or (
            self.window.in_flight > 0
        )

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _dispatch(
        self,
        channel: str,
        rows: list[Claimed],
        people: dict[int, Recipient],
        checked_at: float,
    ) -> None:
        """Send claimed rows in small groups, each checked at most RECHECK_SECONDS before it
        goes (at a high rate the check made with the claim is still fresh)."""
        pacer = self.pacers[channel]
        sender = self.senders[channel]
        costs = [sms_cost(r.text) if sender.channel == "sms" else 1 for r in rows]
        budget = max(1.0, pacer.rate * RECHECK_SECONDS)
        start = 0
        while start < len(rows):
            end, used = start, 0.0
            while end < len(rows) and (end == start or used + costs[end] <= budget):
                used += costs[end]
                end += 1
            group = rows[start:end]
            await pacer.wait_ready()
            now = self.clock()
            try:
                if time.monotonic() - checked_at > RECHECK_SECONDS:
                    ids = {r.contact_id for r in group}
                    async with self.db.transaction() as session:
                        fresh = await outbox.recipients(session, ids)
                    # Someone erased meanwhile is absent from `fresh`: forget the old state too.
                    people = {k: v for k, v in people.items() if k not in ids} | fresh
                    checked_at = time.monotonic()
            except Exception:
                # Without the person's latest state we must not send; the rows are claimed, so
                # they cannot simply be left: give them back to the queue, unsent.
                logger.exception("could not check recipients; putting %d rows back", len(group))
                for row in group:
                    self._put(self._requeue(row, now, now, "could not check the recipient"))
                start = end
                continue
            for row, cost in zip(group, costs[start:end], strict=True):
                blocked = self._blocked(row, people.get(row.contact_id), now)
                if blocked is not None:
                    self._put(blocked)
                    continue
                await pacer.acquire(cost)
                task = asyncio.create_task(
                    self._send(sender, row, channel), name=f"send-{channel}"
                )
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)
            start = end

    def _blocked(self, row: Claimed, person: Recipient | None, now: datetime) -> Outcome | None:
        """Why this row must not go now (an outcome to record), or None to send it."""
        if person is None:
            return Outcome(row.id, "cancelled", row.attempts - 1, "the person erased their data")
        if person.opted_out and row.kind not in ANSWER_KINDS:
            return Outcome(row.id, "cancelled", row.attempts - 1, "opted out")
        if person.unreachable:
            return Outcome(row.id, "cancelled", row.attempts - 1, "unreachable")
        if person.consent == "pending" and row.kind not in CONSENT_KINDS:
            return Outcome(row.id, "cancelled", row.attempts - 1, "the relative has not agreed")
        quiet = self.config.quiet_hours
        if quiet is not None and row.kind not in QUIET_EXEMPT_KINDS:
            resume = quiet.resume_at(now, zone_for(person.country, row.address))
            if resume is not None:
                self.stats.deferred += 1
                return self._requeue(row, now, resume, "quiet hours")
        return None

    @staticmethod
    def _requeue(row: Claimed, now: datetime, when: datetime, why: str) -> Outcome:
        # Not the message's fault: the attempt does not count.
        return Outcome(row.id, "queued", row.attempts - 1, why, next_attempt_at=when)

    async def _send(self, sender: Sender, row: Claimed, lane: str) -> None:
        try:
            # Only rows with buttons (Telegram poll invitations) pass them: every sender
            # takes (address, text), the Telegram one also `options`.
            sending = (
                sender.send(row.address, row.text, options=row.options)
                if row.options
                else sender.send(row.address, row.text)
            )
            result = await asyncio.wait_for(sending, self.config.send_timeout)
        except TimeoutError:
            result = SendResult(ok=False, error="no answer from the provider", uncertain=True)
        except Exception as exc:  # a sender bug: we cannot know whether it went out
            logger.exception("sender %s raised for %s", sender.channel, mask(row.address))
            result = SendResult(
                ok=False, error=f"sender error: {type(exc).__name__}", uncertain=True
            )
        # The row's next attempt is timed from before the lane's pause starts, so that the lane
        # never wakes before the row is due: it used to wake a few ms early, find nothing due,
        # and a drain ended with the throttled row still queued.
        now = self.clock()
        if result.retry_after:
            self.pacers[lane].pause(result.retry_after)
            logger.warning("%s asked to pause %.1fs", lane, result.retry_after)
        self._put(self.outcome(row, result, now))

    def outcome(self, row: Claimed, result: SendResult, now: datetime) -> Outcome:
        """The row's next state after the provider's answer."""
        if result.ok:
            status = "delivered" if row.channel == "console" else "sent"
            return Outcome(row.id, status, row.attempts, provider_id=result.provider_id)
        error = result.error or "failed"
        if result.retry_after:
            return self._requeue(
                row, now, now + timedelta(seconds=result.retry_after), f"rate limited: {error}"
            )
        if result.uncertain:
            return Outcome(row.id, "unknown", row.attempts, f"may have been sent: {error}")
        if result.opted_out or result.unreachable:
            flag = "opted_out" if result.opted_out else "unreachable"
            return Outcome(
                row.id, "failed", row.attempts, error, contact_id=row.contact_id, contact_flag=flag
            )
        if result.permanent:
            return Outcome(row.id, "failed", row.attempts, error)
        if row.attempts >= self.config.max_attempts:
            return Outcome(
                row.id, "failed", row.attempts, f"gave up after {row.attempts}: {error}"
            )
        delay = min(self.config.retry_cap, self.config.retry_base * 2 ** (row.attempts - 1))
        return Outcome(
            row.id, "queued", row.attempts, error, next_attempt_at=now + timedelta(seconds=delay)
        )

    def _put(self, outcome: Outcome) -> None:
        self._awaiting -= 1
        self._results.put_nowait(outcome)

    # -- recording ------------------------------------------------------------------------------

    async def _record_loop(self) -> None:
        """Write outcomes in batches; a row's window place is given back once it is committed."""
        done = False
        while not done:
            first = await self._results.get()
            if first is None:
                break
            batch = [first]
            # Gather the outcomes of what is in flight (briefly): one transaction for many rows.
            deadline = asyncio.get_running_loop().time() + RECORD_GATHER_SECONDS
            while len(batch) < RECORD_BATCH and (self._awaiting or not self._results.empty()):
                if self._results.empty():
                    left = deadline - asyncio.get_running_loop().time()
                    if left <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(self._results.get(), left)
                    except TimeoutError:
                        break
                else:
                    item = self._results.get_nowait()
                if item is None:
                    done = True
                    break
                batch.append(item)
            await self._write(batch)
            for outcome in batch:
                self._held[self._channel_of.pop(outcome.id)] -= 1
            self.window.give(len(batch))

    async def _write(self, batch: list[Outcome]) -> None:
        delay = 0.5
        while True:
            try:
                async with self.db.transaction() as session:
                    await outbox.record(session, batch, worker=self.worker, now=self.clock())
                break
            except Exception:
                # The rows stay `sending` meanwhile and the window stays full: nothing new is
                # claimed until the database takes our outcomes again.
                logger.exception("could not record %d outbox outcomes; retrying", len(batch))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        for o in batch:
            if o.status in ("sent", "delivered"):
                self.stats.sent += 1
            elif o.status == "failed":
                self.stats.failed += 1
            elif o.status == "cancelled":
                self.stats.cancelled += 1
            elif o.status == "unknown":
                self.stats.unknown += 1
            elif o.error != "quiet hours":
                self.stats.retried += 1

    async def _sweep_loop(self) -> None:
        """Now and then, claims a dead worker left behind become `unknown` (PostgreSQL)."""
        while not self._stopping.is_set():
            await self._pause(min(60.0, self.config.stale_after / 2))
            if self._stopping.is_set():
                return
            try:
                stale_before = self.clock() - timedelta(seconds=self.config.stale_after)
                async with self.db.transaction() as session:
                    count = await outbox.recover(
                        session, worker="", stale_before=stale_before, everyone=False
                    )
                if count:
                    logger.warning("%d stale outbox claims are now 'unknown'", count)
            except Exception:
                logger.exception("stale claim sweep failed")
