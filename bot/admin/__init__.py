"""The back office for ministry staff, served under /admin by the same Starlette app.

`mount(services)` gives the routes; `setup_link(services)` the first run's one-time link.
"""

from __future__ import annotations

import logging

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.admin import auth_pages, contacts, forums, pages, polls, sessions, simulator, staff
from bot.admin.web import PREFIX
from bot.request_limits import Larger
from bot.services import Services
from storage import staff_accounts
from storage.models import utcnow

logger = logging.getLogger(__name__)


def mount(services: Services) -> list[BaseRoute]:
    """The back office's routes for the app: everything under /admin, and /admin itself (the
    overview, without a redirect to /admin/)."""
    routes = [
        Route(path, endpoint, methods=methods)
        for module in (auth_pages, pages, contacts, simulator, staff, forums, polls, sessions)
        for path, endpoint, methods in module.routes(services)
    ]
    home = next(route for route in routes if route.path == "/")
    routes.append(Mount("/static", StaticFiles(packages=[("bot.admin", "static")]), name="static"))
    return [Route(PREFIX, home.endpoint, methods=["GET"]), Mount(PREFIX, routes=routes)]


UPLOAD_PATH = f"{PREFIX}/contacts/import"


def upload_limits(services: Services) -> dict[str, Larger]:
    """The contacts CSV upload's own body limit (MAX_UPLOAD_BYTES), with the page refusing a
    larger file in both languages of the back office; every other path keeps MAX_REQUEST_BYTES."""
    settings = services.settings
    limit = max(settings.max_upload_bytes, settings.max_request_bytes)
    return {UPLOAD_PATH: Larger(limit, contacts.too_large_page(services, limit))}


async def setup_link(services: Services) -> str | None:
    """While no staff account exists: a one-time link that creates the first admin."""
    async with services.db.transaction() as session:
        token = await staff_accounts.setup_link_token(session, utcnow())
    if token is None:
        return None
    base = (
        services.settings.public_url or f"http://{services.settings.host}:{services.settings.port}"
    )
    return f"{base}{PREFIX}/setup?token={token}"
