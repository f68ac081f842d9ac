"""The web app: health check, the staff's back office under /admin; channel webhooks are mounted
by the channel adapters."""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.request_limits import BodySizeLimit
from bot.services import Services

logger = logging.getLogger(__name__)


def create_app(services: Services, routes: list | None = None, lifespan=None) -> Starlette:  # type: ignore[no-untyped-def]
    async def healthz(request: Request) -> JSONResponse:
        try:
            # A read-only transaction: no write lock, not queued behind writers (SQLite).
            async with services.db.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # the check's whole job is to say "down" instead of raising
            logger.exception("health check: database unreachable")
            return JSONResponse({"status": "down", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    from bot.admin import mount, upload_limits  # the back office (issue 15): /admin

    return Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), *mount(services), *(routes or [])],
        lifespan=lifespan,
        # Outermost: a body over the limit is refused before any endpoint (or signature) work.
        middleware=[
            Middleware(
                BodySizeLimit,
                max_bytes=services.settings.max_request_bytes,
                larger=upload_limits(services),
            )
        ],
    )
