"""`diaspora-bot run`: the long-running service (web app, channels) under uvicorn."""

from __future__ import annotations

import argparse
import contextlib
import logging

import uvicorn

from bot import admin
from bot.app import create_app
from bot.background import Background
from bot.channels.base import ChannelService
from bot.channels.sms_providers import sms_channel
from bot.channels.telegram import TelegramChannel
from bot.logs import setup as setup_logging
from bot.services import Services
from bot.settings import Settings
from bot.warmup import warm_up

logger = logging.getLogger(__name__)


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="run the service: web app, webhooks, channels")
    parser.set_defaults(run=_run)


def channel_services(services: Services) -> list[ChannelService]:
    """The channels the settings turn on, each with its webhook routes and its sender."""
    channels: list[ChannelService] = []
    if services.settings.telegram_enabled:
        channels.append(TelegramChannel(services))
    sms = sms_channel(services)  # Twilio, an Android phone, SMPP: routed per number
    if sms is not None:
        channels.append(sms)
    return channels


async def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    setup_logging(settings.log_level)
    services = await Services.start(settings, upgrade=True)
    try:
        channels = channel_services(services)
    except ValueError as error:  # settings that cannot work: say which, do not start half-way
        logger.error("cannot start: %s", error)
        await services.close()
        return 2
    background = Background(services, [channel.sender for channel in channels])

    @contextlib.asynccontextmanager
    async def lifespan(app):  # noqa: ANN001
        _say_what_runs(settings, channels)
        link = await admin.setup_link(services)
        if link:  # first run: the way in, once (a secret: shown once, at WARNING to be seen)
            logger.warning("no staff account yet: create the first admin at %s", link)
        # Before uvicorn opens its socket and Telegram polling starts: the first request is as
        # fast as the thousandth.
        await warm_up(services, app)
        for channel in channels:
            await channel.start()
        await background.start()
        try:
            yield
        finally:
            await background.stop()
            for channel in reversed(channels):
                await channel.stop()
            await services.close()

    routes = [route for channel in channels for route in channel.routes()]
    app = create_app(services, routes=routes, lifespan=lifespan)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        # One line a request only when asked for (LOG_LEVEL=INFO or DEBUG): uvicorn builds it
        # for every request otherwise, to be dropped by the level.
        access_log=logging.getLogger().isEnabledFor(logging.INFO),
    )
    await uvicorn.Server(config).serve()
    return 0


def _say_what_runs(settings: Settings, channels: list[ChannelService]) -> None:
    logger.info("listening on http://%s:%s (GET /healthz)", settings.host, settings.port)
    logger.info("back office: http://%s:%s/admin", settings.host, settings.port)
    logger.info("channels on: %s", ", ".join(c.name for c in channels) or "none")
    if not settings.telegram_enabled:
        logger.info("Telegram is off: set TELEGRAM_BOT_TOKEN to turn it on")
    if not settings.sms_enabled:
        logger.info(
            "SMS is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or "
            "ANDROID_SMS_URL and ANDROID_SMS_PASSWORD, or SMPP_HOST and SMPP_SYSTEM_ID "
            "(docs/sms-in-mali.md) to turn it on"
        )
    else:
        sms = next(c for c in channels if c.name == "sms")
        routes = getattr(sms, "sms_routes", None)
        logger.info("SMS providers: %s", routes.describe() if routes else "-")
