"""`diaspora-bot run`: the long-running service (web app, channels) under uvicorn."""

from __future__ import annotations

import argparse
import contextlib
import logging

import uvicorn

from bot.app import create_app
from bot.logs import setup as setup_logging
from bot.services import Services
from bot.settings import Settings

logger = logging.getLogger(__name__)


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="run the service: web app, webhooks, channels")
    parser.set_defaults(run=_run)


async def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    setup_logging(settings.log_level)
    services = await Services.start(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app):  # type: ignore[no-untyped-def]
        _say_what_runs(settings)
        yield
        await services.close()

    app = create_app(services, lifespan=lifespan)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_config=None, proxy_headers=True
    )
    await uvicorn.Server(config).serve()
    return 0


def _say_what_runs(settings: Settings) -> None:
    logger.info("listening on http://%s:%s (GET /healthz)", settings.host, settings.port)
    if not settings.telegram_enabled:
        logger.info("Telegram is off: set TELEGRAM_BOT_TOKEN to turn it on")
    if not settings.sms_enabled:
        logger.info(
            "SMS is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM "
            "(and PUBLIC_URL for the webhook) to turn it on"
        )
