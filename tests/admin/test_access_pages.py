"""Who may open the pages of session 4 (polls, sessions): signed out, to the sign-in page; every
POST checks its CSRF token; an agent reads the polls and their own sessions but closes nothing."""

from __future__ import annotations

import pytest

from tests.admin.conftest import csrf_of

PAGES = ["/admin/polls", "/admin/polls/invest_sector", "/admin/sessions"]
POSTS = ["/admin/polls/invest_sector/close", "/admin/sessions/revoke"]


@pytest.mark.parametrize("path", PAGES)
async def test_a_signed_out_visitor_is_sent_to_the_sign_in_page(anonymous, path) -> None:
    response = await anonymous.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("path", POSTS)
async def test_a_signed_out_post_is_sent_to_the_sign_in_page(anonymous, path) -> None:
    response = await anonymous.post(path, data={"csrf_token": "x", "session": "y"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize("path", POSTS)
async def test_a_post_without_the_right_csrf_token_gets_403(admin, path) -> None:
    assert (await admin.post(path, data={"session": "y"})).status_code == 403
    assert (await admin.post(path, data={"csrf_token": "forged"})).status_code == 403


async def test_an_agent_reads_polls_and_sessions_but_cannot_close_a_poll(agent) -> None:
    for path in ("/admin/polls", "/admin/sessions"):
        assert (await agent.get(path)).status_code == 200, path
    token = csrf_of((await agent.get("/admin/polls")).text)
    response = await agent.post("/admin/polls/invest_sector/close", data={"csrf_token": token})
    assert response.status_code == 403 and "Seul un administrateur" in response.text


async def test_the_menu_leads_to_the_new_pages(admin, agent) -> None:
    for client in (admin, agent):
        page = (await client.get("/admin")).text
        assert 'href="/admin/polls"' in page and 'href="/admin/sessions"' in page
