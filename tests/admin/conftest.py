"""The back office under test: the real web app over httpx's ASGI transport, staff accounts made
with the same function as `diaspora-bot staff add`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings
from storage import staff_accounts
from storage.models import utcnow

ADMIN, AGENT = "awa.admin@ministere.ml", "moussa.agent@ministere.ml"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


@pytest.fixture
async def services(db, db_url: str, knowledge) -> AsyncIterator[Services]:
    settings = Settings(_env_file=None, database_url=db_url)
    started = await Services.start(settings, knowledge=knowledge, upgrade=False, answers=False)
    async with started.db.transaction() as session:
        for email, role in ((ADMIN, "admin"), (AGENT, "agent")):
            await staff_accounts.add(session, email, role, PASSWORD, "test", utcnow())
    yield started
    await started.close()


def client_for(services: Services, base_url: str = "http://bot") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(services))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = await client.get("/admin/login")
    return await client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )


@pytest.fixture
async def anonymous(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(services) as client:
        yield client


@pytest.fixture
async def admin(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(services) as client:
        assert (await sign_in(client, ADMIN)).status_code == 303
        yield client


@pytest.fixture
async def agent(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(services) as client:
        assert (await sign_in(client, AGENT)).status_code == 303
        yield client


@pytest.fixture
def invest():  # type: ignore[no-untyped-def]
    """The example poll of knowledge/polls (issue 17)."""
    from knowledge.polls import POLLS_DIR, load

    return load(POLLS_DIR / "invest_sector.yaml")
