"""The scheduler: recurring jobs from OUR `schedules` table, run in the leader process only.

APScheduler 3.11's `AsyncIOScheduler` (memory job store) only computes cron fire times; what to
run and when it last ran live in `schedules`, so several processes never share an APScheduler
job store, and a new leader knows a run its predecessor missed or did not finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from storage.db import Database
from storage.models import Schedule, utcnow

logger = logging.getLogger(__name__)

# A run missed by less than this (no leader at the time) is made up when a leader starts;
# an older one is skipped: a weekly message a day late still helps, a week late doubles up.
CATCH_UP = timedelta(hours=24)
RELOAD_SECONDS = 60.0  # how often the leader re-reads `schedules` (staff may change a cron)

# A scheduled job gets the time it was due (the same on a repeated run of that occurrence).
ScheduledJob = Callable[[datetime], Awaitable[int]]

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expression: str) -> CronTrigger:
    """A standard 5-field crontab line (UTC) as an APScheduler trigger.

    APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (APScheduler's
    documented "historical mistake"): numbers in the weekday field become names, so that
    "0 10 * * 1" means Monday as everyone expects.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, not {expression!r}")
    fields[4] = ",".join(_weekday(part) for part in fields[4].split(","))
    return CronTrigger.from_crontab(" ".join(fields), timezone="UTC")


def _weekday(part: str) -> str:
    spec, slash, step = part.partition("/")
    low, dash, high = spec.partition("-")
    if not (low.isdigit() and (not dash or high.isdigit())):
        return part  # '*', names: left as they are
    first, last = int(low) % 7, int(high) % 7 if dash else None
    if last is None:
        return _DAY_NAMES[first] + slash + step
    if last == 0:  # "5-7", "1-0": Sunday ends the range; APScheduler ranges stop at Sunday
        last = 7
    if first == 0 and last > 0:  # "0-3": Sunday, then Monday to Wednesday
        return "sun," + f"mon-{_DAY_NAMES[last % 7]}" + slash + step if last > 1 else "sun,mon"
    end = "sun" if last == 7 else _DAY_NAMES[last]
    return f"{_DAY_NAMES[first]}-{end}{slash}{step}"


@dataclass(frozen=True)
class Poller:
    """A frequent job that is not a schedule (due broadcasts): every `seconds`, leader only."""

    name: str
    seconds: float
    run: Callable[[datetime], Awaitable[int]]


class Scheduler:
    def __init__(
        self,
        db: Database,
        jobs: dict[str, ScheduledJob],
        defaults: dict[str, str],
        *,
        pollers: tuple[Poller, ...] = (),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.jobs = jobs
        self.defaults = defaults  # name -> cron, seeded when the table has no such row
        self.pollers = pollers
        self.clock = clock
        self._aps: AsyncIOScheduler | None = None
        self._triggers: dict[str, str] = {}
        self._running: set[asyncio.Task] = set()

    @property
    def running(self) -> bool:
        return self._aps is not None

    async def seed(self) -> None:
        """Create the default schedules that do not exist yet (staff edits are kept)."""
        async with self.db.transaction() as session:
            existing = set(await session.scalars(select(Schedule.name)))
            for name, trigger in self.defaults.items():
                if name not in existing:
                    cron_trigger(trigger)  # refuse a bad default loudly, at start
                    session.add(Schedule(name=name, trigger=trigger, enabled=True))

    async def start(self) -> None:
        """Become the one process that runs the jobs (called when elected leader)."""
        await self.seed()
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._aps.start()
        await self.reload()
        self._aps.add_job(
            self.reload, IntervalTrigger(seconds=RELOAD_SECONDS), id="_reload", coalesce=True
        )
        for poller in self.pollers:
            self._aps.add_job(
                self._poll,
                IntervalTrigger(seconds=poller.seconds),
                args=[poller],
                id=f"_poll_{poller.name}",
                coalesce=True,
                max_instances=1,
                next_run_time=self.clock(),
            )

    async def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        self._triggers.clear()
        for task in list(self._running):
            task.cancel()

    async def reload(self) -> None:
        """Align APScheduler's jobs with the table; make up runs missed while no one led."""
        assert self._aps is not None
        now = self.clock()
        due: list[tuple[str, datetime]] = []
        async with self.db.transaction() as session:
            for schedule in await session.scalars(select(Schedule)):
                name, known = schedule.name, self._triggers.get(schedule.name)
                if not (schedule.enabled and name in self.jobs):
                    if known is not None:
                        self._aps.remove_job(name)
                        del self._triggers[name]
                    continue
                if known == schedule.trigger:
                    continue
                try:
                    trigger = cron_trigger(schedule.trigger)
                except ValueError:
                    logger.error("schedule %s: bad cron %r, not run", name, schedule.trigger)
                    continue
                if known is not None:
                    self._aps.remove_job(name)
                self._aps.add_job(
                    self._fire,
                    trigger,
                    args=[name],
                    id=name,
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=int(CATCH_UP.total_seconds()),
                )
                self._triggers[name] = schedule.trigger
                missed = schedule.next_run_at
                if known is None and missed is not None and missed <= now:
                    if now - missed <= CATCH_UP:
                        due.append((name, missed))  # run() then moves next_run_at on
                        continue
                    logger.warning(
                        "schedule %s: the run of %s is too old to make up", name, missed
                    )
                if known is not None or missed is None or missed <= now:
                    schedule.next_run_at = trigger.get_next_fire_time(None, now)
        for name, run_at in due:
            logger.info("schedule %s: making up the run of %s", name, run_at)
            await self.run(name, run_at)

    async def _fire(self, name: str) -> None:
        """APScheduler's callback. The occurrence is the table's next_run_at when due (so a
        repeated run of one occurrence is recognised as such), else this minute."""
        now = self.clock()
        async with self.db.transaction() as session:
            schedule = await session.get(Schedule, name)
            due = schedule.next_run_at if schedule is not None else None
        if due is not None and due <= now and now - due <= CATCH_UP:
            run_at = due
        else:
            run_at = now.replace(second=0, microsecond=0)
        await self.run(name, run_at)

    async def run(self, name: str, run_at: datetime) -> int:
        """Run a job for the occurrence due at `run_at`, then record it and the next one."""
        job = self.jobs[name]
        try:
            count = await job(run_at)
        except Exception:
            # next_run_at stays: the next leader (or the next reload) makes the run up.
            logger.exception("schedule %s failed for %s", name, run_at)
            return 0
        async with self.db.transaction() as session:
            schedule = await session.get(Schedule, name)
            if schedule is not None:
                schedule.last_run_at = run_at
                now = self.clock()
                schedule.next_run_at = cron_trigger(schedule.trigger).get_next_fire_time(
                    None, max(now, run_at + timedelta(seconds=1))
                )
        logger.info("schedule %s ran for %s: %d", name, run_at, count)
        return count

    async def _poll(self, poller: Poller) -> None:
        try:
            await poller.run(self.clock())
        except Exception:
            logger.exception("%s failed", poller.name)
