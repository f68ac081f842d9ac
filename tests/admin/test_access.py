"""Who may see what in the back office: sign-in, sign-out, expiry, lock-out, CSRF and roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.models import AuditEntry, StaffSession, utcnow
from tests.admin.conftest import ADMIN, AGENT, PASSWORD, client_for, csrf_of, sign_in

PAGES = [
    "/admin",
    "/admin/",
    "/admin/tickets",
    "/admin/tickets/1",
    "/admin/broadcasts",
    "/admin/broadcasts/new",
    "/admin/broadcasts/preview?segment=all",
    "/admin/gaps",
    "/admin/audit",
    "/admin/registrations",
    "/admin/simulator",
    "/admin/contacts",
    "/admin/contacts.csv",
    "/admin/staff",
    "/admin/logout",
    "/admin/polls",
    "/admin/polls/invest_sector",
    "/admin/sessions",
]
POSTS = [
    "/admin/tickets/1/reply",
    "/admin/broadcasts/new",
    "/admin/broadcasts/1/cancel",
    "/admin/simulator/say",
    "/admin/simulator/reset",
    "/admin/contacts/import",
    "/admin/staff/add",
    "/admin/staff/remove",
    "/admin/logout",
    "/admin/polls/invest_sector/close",
    "/admin/sessions/revoke",
]
ADMIN_ONLY = [
    "/admin/broadcasts",
    "/admin/broadcasts/new",
    "/admin/audit",
    "/admin/registrations",
    "/admin/contacts",
    "/admin/contacts.csv",
    "/admin/staff",
]


@pytest.mark.parametrize("path", PAGES)
async def test_a_signed_out_visitor_is_sent_to_the_sign_in_page(anonymous, path) -> None:
    response = await anonymous.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("path", POSTS)
async def test_a_signed_out_post_changes_nothing(anonymous, path) -> None:
    response = await anonymous.post(path, data={"csrf_token": "x", "text": "hi"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


async def test_signing_in_opens_the_overview_and_the_cookie_is_guarded(services) -> None:
    async with client_for(services) as client:
        response = await sign_in(client, ADMIN)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "admin_session=" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # PUBLIC_URL is not https here
        overview = await client.get("/admin")
        assert overview.status_code == 200
        assert "<svg" in overview.text and ADMIN in overview.text


async def test_the_cookie_is_secure_when_the_public_url_is_https(services) -> None:
    services.settings.public_url = "https://bot.example.org"
    async with client_for(services, "https://bot.example.org") as client:
        response = await sign_in(client, ADMIN)
    assert "Secure" in response.headers["set-cookie"]


async def test_signing_in_without_the_csrf_token_is_refused(anonymous) -> None:
    await anonymous.get("/admin/login")
    response = await anonymous.post("/admin/login", data={"email": ADMIN, "password": PASSWORD})
    assert response.status_code == 403
    assert "admin_session" not in response.headers.get("set-cookie", "")


async def test_a_wrong_password_is_refused_in_plain_words(anonymous) -> None:
    response = await sign_in(anonymous, ADMIN, "not the password")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in response.text


async def test_five_failures_lock_the_account_even_against_the_right_password(
    anonymous, services
) -> None:
    for _ in range(5):
        await sign_in(anonymous, AGENT, "guess guess guess")
    response = await sign_in(anonymous, AGENT, PASSWORD)
    assert response.status_code == 401
    assert "bloqué pendant 15 minutes" in response.text
    # An admin's account is not affected by a guesser on another account.
    assert (await sign_in(anonymous, ADMIN)).status_code == 303


@pytest.mark.parametrize("path", POSTS)
async def test_every_post_without_the_csrf_token_gets_403(admin, path) -> None:
    response = await admin.post(path, data={"text": "hello", "answer": "x"})
    assert response.status_code == 403
    bad = await admin.post(path, data={"csrf_token": "forged", "text": "hello"})
    assert bad.status_code == 403


@pytest.mark.parametrize("path", ADMIN_ONLY)
async def test_an_agent_cannot_broadcast_or_see_admin_pages(agent, path) -> None:
    response = await agent.get(path)
    assert response.status_code == 403
    assert "Seul un administrateur" in response.text


async def test_an_agent_cannot_post_a_broadcast_even_with_a_valid_token(agent) -> None:
    token = csrf_of((await agent.get("/admin/tickets")).text)
    response = await agent.post(
        "/admin/broadcasts/new", data={"csrf_token": token, "text_fr": "Bonjour", "segment": "all"}
    )
    assert response.status_code == 403


async def test_an_agent_sees_the_overview_gaps_simulator_and_tickets(agent) -> None:
    for path in ("/admin", "/admin/gaps", "/admin/simulator", "/admin/tickets"):
        assert (await agent.get(path)).status_code == 200, path


async def test_signing_out_ends_the_session(admin, services) -> None:
    token = csrf_of((await admin.get("/admin")).text)
    response = await admin.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert (await admin.get("/admin")).status_code == 303
    async with services.db.transaction() as session:
        entries = await session.scalars(
            AuditEntry.__table__.select().where(AuditEntry.action == "staff.signed_out")
        )
        assert entries.all()


async def test_an_idle_session_expires(admin, services) -> None:
    assert (await admin.get("/admin")).status_code == 200
    idle = timedelta(minutes=services.settings.admin_idle_minutes + 1)
    async with services.db.transaction() as session:
        await session.execute(update(StaffSession).values(last_seen_at=utcnow() - idle))
    response = await admin.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


async def test_the_language_switch_shows_the_pages_in_english(admin) -> None:
    await admin.get("/admin/language?to=en&next=/admin")
    page = await admin.get("/admin")
    assert "Messages per day" in page.text and 'lang="en"' in page.text


async def test_an_agent_cannot_import_contacts(agent) -> None:
    token = csrf_of((await agent.get("/admin/tickets")).text)
    files = {"file": ("people.csv", b"telephone;langue\n+22376123456;fr\n", "text/csv")}
    response = await agent.post("/admin/contacts/import", data={"csrf_token": token}, files=files)
    assert response.status_code == 403


async def test_an_admin_adds_and_removes_an_agent_and_an_agent_cannot(admin, agent) -> None:
    page = await admin.get("/admin/staff")
    token = csrf_of(page.text)
    new = {"csrf_token": token, "email": "Fanta@Ministere.ml", "role": "agent",
           "password": "a long enough password"}  # fmt: skip
    assert (await admin.post("/admin/staff/add", data=new)).status_code == 303
    assert "fanta@ministere.ml" in (await admin.get("/admin/staff")).text
    short = await admin.post("/admin/staff/add", data={**new, "email": "x@y.ml", "password": "1"})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    agent_token = csrf_of((await agent.get("/admin/tickets")).text)
    refused = await agent.post(
        "/admin/staff/remove", data={"csrf_token": agent_token, "email": "fanta@ministere.ml"}
    )
    assert refused.status_code == 403
    gone = await admin.post(
        "/admin/staff/remove", data={"csrf_token": token, "email": "fanta@ministere.ml"}
    )
    assert gone.status_code == 303
    assert "fanta@ministere.ml" not in (await admin.get("/admin/staff")).text


async def test_a_removed_account_is_signed_out_at_once(admin, agent) -> None:
    assert (await agent.get("/admin")).status_code == 200
    token = csrf_of((await admin.get("/admin/staff")).text)
    await admin.post("/admin/staff/remove", data={"csrf_token": token, "email": AGENT})
    assert (await agent.get("/admin")).status_code == 303
