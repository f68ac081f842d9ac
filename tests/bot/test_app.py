"""The web app's health check, as a load balancer or Docker's HEALTHCHECK sees it."""

from __future__ import annotations

import httpx

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings


async def test_healthz_says_ok_with_a_database(db_url: str) -> None:
    services = await Services.start(Settings(database_url=db_url), upgrade=False)
    try:
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
    finally:
        await services.close()


async def test_healthz_says_down_without_a_database(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/missing-dir/x/../../nope.db"
    services = await Services.start(Settings(database_url=url), upgrade=True)
    await services.db.dispose()
    for leftover in tmp_path.glob("nope.db*"):
        leftover.unlink()
    (tmp_path / "nope.db").mkdir()  # a directory where the database file should be
    try:
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            response = await client.get("/healthz")
        assert response.status_code == 503
    finally:
        await services.close()
