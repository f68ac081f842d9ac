"""Open sessions: admins see every signed-in browser and sign any out; an agent sees and signs
out their own only. Every revocation is in the audit log."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import AuditEntry
from tests.admin.conftest import ADMIN, AGENT, client_for, csrf_of, sign_in

_SESSION = re.compile(r'name="session" value="([0-9a-f]{64})"')


async def test_an_admin_signs_an_agents_browser_out(admin, agent, services) -> None:
    page = (await admin.get("/admin/sessions")).text
    assert ADMIN in page and AGENT in page and "ce navigateur" in page
    rows = {email: token for token, email in _rows(page)}
    response = await admin.post(
        "/admin/sessions/revoke", data={"csrf_token": csrf_of(page), "session": rows[AGENT]}
    )
    assert response.status_code == 303 and response.headers["location"].endswith("revoked=1")
    assert (await agent.get("/admin")).status_code == 303  # signed out at once
    assert (await admin.get("/admin")).status_code == 200
    async with services.db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "staff.session_revoked")
        )
    assert entry.actor == f"staff:{ADMIN}" and entry.target == f"staff:{AGENT}"


async def test_an_agent_sees_and_revokes_only_their_own(admin, agent, services) -> None:
    async with client_for(services) as phone:  # the agent's second browser
        await sign_in(phone, AGENT)
        page = (await agent.get("/admin/sessions")).text
        assert ADMIN not in page and page.count('name="session"') == 2
        admin_page = (await admin.get("/admin/sessions")).text
        admins = [token for token, email in _rows(admin_page) if email == ADMIN]
        refused = await agent.post(
            "/admin/sessions/revoke", data={"csrf_token": csrf_of(page), "session": admins[0]}
        )
        assert (await admin.get("/admin")).status_code == 200  # not the agent's to end
        assert refused.status_code == 404
        other = next(t for t, _ in _rows(page) if "ce navigateur" not in _row_of(page, t))
        await agent.post(
            "/admin/sessions/revoke", data={"csrf_token": csrf_of(page), "session": other}
        )
        assert (await phone.get("/admin")).status_code == 303
        assert (await agent.get("/admin")).status_code == 200


async def test_revoking_ones_own_browser_signs_it_out(agent) -> None:
    page = (await agent.get("/admin/sessions")).text
    [(mine, _)] = _rows(page)
    response = await agent.post(
        "/admin/sessions/revoke", data={"csrf_token": csrf_of(page), "session": mine}
    )
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]
    assert (await agent.get("/admin")).status_code == 303


def _row_of(page: str, token: str) -> str:
    end = page.index(token)
    return page[page.rindex("<tr>", 0, end) : end]


def _rows(page: str) -> list[tuple[str, str]]:
    """(session, email) for each row of the table."""
    found = []
    for token in _SESSION.findall(page):
        row = _row_of(page, token)
        email = re.search(r"<td>([^ <]+@[^ <]+) \(", row).group(1)
        found.append((token, email))
    return found
