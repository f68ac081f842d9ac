"""Who may use the pages of session 4 (polls, sessions; the signed-out and CSRF cases are in
test_access.py's lists): an agent reads the polls and their own sessions but closes nothing."""

from __future__ import annotations

from tests.admin.conftest import csrf_of


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
