"""The back office opens and closes forum editions as `diaspora-bot forum open|close` does:
admins only, with the CSRF token, audited with the staff account; a bad form is shown again with
its reason, never a 500; opening tells the people waiting once, through the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services import Services
from storage import forum_editions
from storage.models import AuditEntry, Contact, ForumEdition, OutboxItem, utcnow
from tests.admin.conftest import ADMIN, csrf_of

EDITION = {
    "starts": "2030-03-15",
    "ends": "2030-03-16",
    "place": "Bamako, CICB",
    "capacity": "300",
}


async def post(client, path: str, **data: str):  # type: ignore[no-untyped-def]
    page = await client.get("/admin/forums")
    return await client.post(path, data={"csrf_token": csrf_of(page.text), **data})


async def editions(services: Services) -> list[ForumEdition]:
    async with services.db.transaction() as session:
        return await forum_editions.all_editions(session)


async def test_a_signed_out_visitor_is_sent_to_sign_in(anonymous) -> None:
    for method, path in (("GET", "/admin/forums"), ("POST", "/admin/forums/fidima/open")):
        response = await anonymous.request(
            method, path, data=EDITION if method == "POST" else None
        )
        assert response.status_code == 303 and "/admin/login" in response.headers["location"]


async def test_an_agent_can_neither_see_nor_open_an_edition(agent, services) -> None:
    assert (await agent.get("/admin/forums")).status_code == 403
    token = csrf_of((await agent.get("/admin/tickets")).text)
    refused = await agent.post("/admin/forums/fidima/open", data={"csrf_token": token, **EDITION})
    assert refused.status_code == 403
    assert await editions(services) == []


async def test_without_the_csrf_token_nothing_opens(admin, services) -> None:
    response = await admin.post("/admin/forums/fidima/open", data=EDITION)
    assert response.status_code == 403
    assert await editions(services) == []


async def test_an_admin_opens_then_closes_an_edition_and_the_waiting_are_told_once(
    admin, services
) -> None:
    async with services.db.transaction() as session:
        person = Contact(address="telegram:9101", channel="telegram", language="en")
        session.add(person)
        await session.flush()
        await forum_editions.add_interest(session, person, "fidima", utcnow())

    page = await admin.get("/admin/forums")
    assert page.status_code == 200
    assert 'for="fidima-starts"' in page.text and 'id="fidima-place"' in page.text
    assert "1 personne(s) attendent l&#39;ouverture" in page.text
    assert "/admin/forums" in (await admin.get("/admin/registrations")).text  # linked

    opened = await post(admin, "/admin/forums/fidima/open", **EDITION)
    assert opened.status_code == 303 and opened.headers["location"] == "/admin/forums?done=opened"
    [edition] = await editions(services)
    assert (edition.forum_id, edition.status, edition.capacity) == ("fidima", "open", 300)
    assert edition.place == "Bamako, CICB" and edition.opened_by == f"staff:{ADMIN}"
    async with services.db.transaction() as session:
        notices = list(
            await session.scalars(select(OutboxItem).where(OutboxItem.kind == "forum_open"))
        )
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "forum.opened"))
    assert [n.address for n in notices] == ["telegram:9101"]
    assert "15 March 2030" in notices[0].text and "REGISTER" in notices[0].text.upper()
    assert audit.actor == f"staff:{ADMIN}" and audit.details["capacity"] == 300

    page = (await admin.get("/admin/forums?done=opened")).text
    assert "inscriptions ouvertes" in page and "Fermer les inscriptions" in page
    again = await post(admin, "/admin/forums/fidima/open", **EDITION)
    assert again.status_code == 400 and "déjà ouverte" in again.text
    assert len(await editions(services)) == 1

    closed = await post(admin, "/admin/forums/fidima/close")
    assert closed.status_code == 303
    [edition] = await editions(services)
    assert edition.status == "closed" and edition.closed_by == f"staff:{ADMIN}"
    # Opening the next edition tells nobody twice: the list was emptied by the first opening.
    reopened = await post(
        admin,
        "/admin/forums/fidima/open",
        **{**EDITION, "starts": "2031-03-15", "ends": "2031-03-16"},
    )
    assert reopened.status_code == 303
    async with services.db.transaction() as session:
        told = list(
            await session.scalars(select(OutboxItem).where(OutboxItem.kind == "forum_open"))
        )
    assert len(told) == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ends": "2030-03-14"}, "Le dernier jour est avant le premier jour."),
        ({"capacity": "0"}, "nombre entier positif"),
        ({"capacity": "-5"}, "nombre entier positif"),
        ({"capacity": "deux cents"}, "nombre entier positif"),
        ({"place": "   "}, "Indiquez le lieu"),
        ({"place": "B" * 201}, "Le lieu est trop long."),
        ({"starts": "15/03/2030"}, "Le premier jour n&#39;est pas une date"),
        ({"starts": "2020-03-15", "ends": "2020-03-16"}, "déjà passé"),
    ],
)
async def test_a_bad_form_is_shown_again_with_its_reason(admin, services, changes, reason) -> None:
    response = await post(admin, "/admin/forums/women_forum/open", **{**EDITION, **changes})
    assert response.status_code == 400
    assert reason in response.text and 'role="alert"' in response.text
    assert 'value="' + {**EDITION, **changes}["ends"] + '"' in response.text  # kept to correct
    assert await editions(services) == []


async def test_closing_a_forum_with_no_open_edition_says_so(admin) -> None:
    response = await post(admin, "/admin/forums/diaspo_istm/close")
    assert (
        response.status_code == 400
        and "Aucune édition de ce forum n&#39;est ouverte" in response.text
    )
