"""The back office for ministry staff, served under /admin by the same Starlette app.

`mount(services)` gives the routes; `setup_link(services)` the first run's one-time link.
"""

from __future__ import annotations

import logging

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.admin import auth_pages, contacts, forums, pages, simulator, staff
from bot.admin.web import PREFIX
from bot.services import Services
from storage import staff_accounts
from storage.models import utcnow

logger = logging.getLogger(__name__)


def mount(services: Services) -> list[BaseRoute]:
    """The back office's routes for the app: everything under /admin, and /admin itself (the
    overview, without a redirect to /admin/)."""
    routes = [
        Route(path, endpoint, methods=methods)
        for module in (auth_pages, pages, contacts, simulator, staff, forums)
        for path, endpoint, methods in module.routes(services)
    ]
    home = next(route for route in routes if route.path == "/")
    routes.append(Mount("/static", StaticFiles(packages=[("bot.admin", "static")]), name="static"))
    return [Route(PREFIX, home.endpoint, methods=["GET"]), Mount(PREFIX, routes=routes)]


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
