"""What `diaspora-bot run` does besides answering: the dispatcher and, in the leader process,
the scheduler. Settings turn each off (DISPATCHER_ENABLED, SCHEDULER_ENABLED), e.g. for
web-only workers."""

from __future__ import annotations

import logging
from functools import partial

from bot import jobs
from bot.channels.base import Sender
from bot.channels.console import ConsoleSender
from bot.channels.unconfigured import UnconfiguredSender
from bot.dispatcher import Dispatcher, DispatcherConfig, default_worker_id
from bot.leader import Leadership
from bot.quiet_hours import QuietHours
from bot.scheduler import Poller, Scheduler
from bot.services import Services
from bot.settings import Settings
from handlers.vocabulary import CHANNELS

logger = logging.getLogger(__name__)


def dispatcher_config(settings: Settings, *, sqlite: bool) -> DispatcherConfig:
    return DispatcherConfig(
        rates={"telegram": settings.telegram_max_rate, **settings.sms_rates()},
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        retry_base=settings.outbox_retry_seconds,
        quiet_hours=QuietHours.parse(settings.quiet_hours),
        stale_after=settings.outbox_stale_seconds,
        worker_id=settings.dispatcher_id or default_worker_id(),
        only_worker=sqlite,
    )


def senders(channel_senders: list[Sender]) -> dict[str, Sender]:
    """Each channel's sender, plus the console's (its messages are read by `chat`); a channel
    that is off gets one that fails its rows after their retries (bot/channels/unconfigured)."""
    found: dict[str, Sender] = {"console": ConsoleSender()}
    for sender in channel_senders:
        # SMS over several providers: a lane each, paced on its own (bot/channels/sms_lanes.py)
        found.update(getattr(sender, "lanes", None) or {sender.channel: sender})
    running = {sender.channel for sender in found.values()}
    for channel in CHANNELS:
        if channel not in running:  # not when SMS runs as lanes ("sms:android", ...)
            found[channel] = UnconfiguredSender(channel)
    return found


def dispatcher(services: Services, channel_senders: list[Sender]) -> Dispatcher:
    settings = services.settings
    return Dispatcher(
        services.db,
        senders(channel_senders),
        dispatcher_config(settings, sqlite=services.db.is_sqlite),
    )


def scheduler(services: Services) -> Scheduler:
    settings, db = services.settings, services.db
    return Scheduler(
        db,
        jobs={
            "awareness": partial(jobs.awareness, db, locales=services.knowledge.locales),
            "forum_reminders": partial(
                jobs.forum_reminders,
                db,
                services.knowledge,
                days_before=settings.reminder_days_before,
            ),
            "retention": partial(jobs.retention, db, days=settings.message_retention_days),
        },
        defaults={
            "awareness": settings.awareness_cron,
            "forum_reminders": settings.forum_reminders_cron,
            "retention": settings.retention_cron,
        },
        pollers=(
            Poller(
                "broadcasts", settings.broadcast_poll_seconds, partial(jobs.due_broadcasts, db)
            ),
        ),
    )


class Background:
    """The dispatcher and the scheduler's leadership, started and stopped with the service."""

    def __init__(self, services: Services, channel_senders: list[Sender]) -> None:
        settings = services.settings
        self.dispatcher = (
            dispatcher(services, channel_senders) if settings.dispatcher_enabled else None
        )
        self.scheduler = scheduler(services) if settings.scheduler_enabled else None
        self.leadership = (
            Leadership(
                services.db,
                self.scheduler.start,
                self.scheduler.stop,
                retry=settings.leader_retry_seconds,
            )
            if self.scheduler is not None
            else None
        )

    async def start(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.start()
        else:
            logger.info("dispatcher off (DISPATCHER_ENABLED=false)")
        if self.leadership is not None:
            self.leadership.start()
        else:
            logger.info("scheduler off (SCHEDULER_ENABLED=false)")

    async def stop(self) -> None:
        if self.leadership is not None:
            await self.leadership.stop()
        if self.dispatcher is not None:
            await self.dispatcher.stop()
