"""The back office's pages as staff use them: answer a question, write and cancel a broadcast,
look at the figures, try the bot in the simulator."""

from __future__ import annotations

import html

from sqlalchemy import select

from bot.conversation import Conversation
from handlers.vocabulary import Inbound
from storage import broadcasts, stats
from storage.models import AuditEntry, Broadcast, Contact, OutboxItem, Ticket, utcnow
from tests.admin.conftest import ADMIN, csrf_of
from tests.staff.people import add_people


async def _ticket(services, address="tel:+22376123456", question="Comment obtenir un passeport ?"):  # type: ignore[no-untyped-def]
    [person] = await add_people(services.db, {"address": address, "channel": "sms"})
    async with services.db.transaction() as session:
        ticket = Ticket(contact_id=person, status="open", question=question, created_at=utcnow())
        session.add(ticket)
        await session.flush()
        return ticket.id


async def test_an_answer_reaches_the_person_on_their_channel(admin, services) -> None:
    ticket_id = await _ticket(services)
    listing = await admin.get("/admin/tickets")
    assert "Comment obtenir un passeport" in listing.text
    assert "+22376123456" not in listing.text  # the address is masked
    page = await admin.get(f"/admin/tickets/{ticket_id}")
    response = await admin.post(
        f"/admin/tickets/{ticket_id}/reply",
        data={"csrf_token": csrf_of(page.text), "answer": "Allez au consulat avec votre NINA."},
    )
    assert response.status_code == 303
    shown = await admin.get(response.headers["location"])
    assert "Réponse envoyée" in shown.text
    async with services.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxItem).where(OutboxItem.kind == "ticket")))
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "ticket.answered")
        )
    assert [r.channel for r in rows] == ["sms"]
    assert "Allez au consulat avec votre NINA." in rows[0].text
    assert entry.actor == f"staff:{ADMIN}"


async def test_a_second_answer_is_refused(admin, services) -> None:
    ticket_id = await _ticket(services)
    page = await admin.get(f"/admin/tickets/{ticket_id}")
    token = csrf_of(page.text)
    data = {"csrf_token": token, "answer": "Première réponse."}
    assert (await admin.post(f"/admin/tickets/{ticket_id}/reply", data=data)).status_code == 303
    again = await admin.post(f"/admin/tickets/{ticket_id}/reply", data=data)
    assert again.status_code == 400
    assert "déjà reçu une réponse" in again.text


async def test_the_composer_counts_recipients_and_names_the_ucs2_char(admin, services) -> None:
    await add_people(
        services.db,
        {"address": "tel:+22376000001", "channel": "sms"},
        {"address": "tel:+22376000002", "channel": "sms"},
        {"address": "telegram:5001", "channel": "telegram"},
    )
    preview = await admin.get(
        "/admin/broadcasts/preview", params={"text_fr": "Forum à Paris 🎉", "segment": "all"}
    )
    figures = preview.json()
    assert figures["recipients"] == 3
    [sms] = figures["sms"]
    assert (sms["encoding"], sms["recipients"], sms["ucs2_because"]) == ("UCS-2", 2, "🎉")
    bad = await admin.get("/admin/broadcasts/preview", params={"segment": "lang:xx"})
    assert "xx" in bad.json()["error"]


async def test_a_queued_broadcast_can_be_cancelled_and_its_unsent_rows_are_withdrawn(
    admin, services
) -> None:
    await add_people(
        services.db,
        {"address": "tel:+22376000001", "channel": "sms"},
        {"address": "telegram:5001", "channel": "telegram"},
    )
    page = await admin.get("/admin/broadcasts/new")
    token = csrf_of(page.text)
    created = await admin.post(
        "/admin/broadcasts/new",
        data={"csrf_token": token, "text_fr": "Le forum ouvre demain.", "segment": "all"},
    )
    assert created.status_code == 303
    async with services.db.transaction() as session:
        await broadcasts.queue_due(session, utcnow())
        broadcast = await session.scalar(select(Broadcast))
        assert broadcast.status == "queued"
    listing = await admin.get("/admin/broadcasts")
    assert "en cours d'envoi" in html.unescape(listing.text)
    cancelled = await admin.post(
        f"/admin/broadcasts/{broadcast.id}/cancel", data={"csrf_token": token}
    )
    assert cancelled.status_code == 303
    async with services.db.transaction() as session:
        statuses = list(await session.scalars(select(OutboxItem.status)))
        status = (await session.get(Broadcast, broadcast.id)).status
    assert statuses == ["cancelled", "cancelled"] and status == "cancelled"
    assert "annulée" in (await admin.get("/admin/broadcasts")).text


async def test_the_overview_draws_its_charts_from_the_figures(admin, services, knowledge) -> None:
    conversation = Conversation(services.db, knowledge, services.settings.handler_config())
    await conversation.handle(Inbound("sms", "tel:+22376123456", "Bonjour"))
    page = await admin.get("/admin")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 5
    assert "Messages par jour (30 jours)" in page.text
    assert "Personnes par canal" in page.text


async def test_the_simulator_talks_to_the_bot_without_becoming_a_person(admin, services) -> None:
    page = await admin.get("/admin/simulator?channel=sms")
    token = csrf_of(page.text)
    said = await admin.post(
        "/admin/simulator/say", data={"csrf_token": token, "channel": "sms", "text": "menu"}
    )
    assert said.status_code == 303
    shown = await admin.get("/admin/simulator?channel=sms")
    assert "GSM-7" in shown.text and "segment" in shown.text
    async with services.db.transaction() as session:
        people = list(await session.scalars(select(Contact).where(Contact.staff_chat.is_(False))))
    assert people == []  # the simulator's contact is no person: no figure, no audience
    telegram = await admin.post(
        "/admin/simulator/say", data={"csrf_token": token, "channel": "telegram", "text": "menu"}
    )
    assert telegram.status_code == 303
    buttons = await admin.get("/admin/simulator?channel=telegram")
    assert 'name="text" value=' in buttons.text  # the menu's buttons, to press
    reset = await admin.post(
        "/admin/simulator/reset", data={"csrf_token": token, "channel": "sms"}
    )
    assert reset.status_code == 303
    assert "GSM-7" not in (await admin.get("/admin/simulator?channel=sms")).text


async def test_questions_tried_in_the_simulator_are_not_among_the_most_asked(
    admin, services
) -> None:
    token = csrf_of((await admin.get("/admin/simulator?channel=sms")).text)
    said = await admin.post(
        "/admin/simulator/say",
        data={"csrf_token": token, "channel": "sms", "text": "double nationalité"},
    )
    assert said.status_code == 303
    assert "2011-087" in (await admin.get("/admin/simulator?channel=sms")).text  # answered
    async with services.db.transaction() as session:
        assert await stats.most_asked(session, utcnow()) == []


FRENCH_EXCEL = (
    "Téléphone;Langue;Pays;Nom;Abonné\n+223 76 12 34 56;français;ML;Awa Traoré;oui\n12;fr;;;\n"
)


async def test_a_french_excel_file_is_imported_with_the_cli_report(admin, services) -> None:
    page = await admin.get("/admin/contacts")
    files = {"file": ("liste.csv", FRENCH_EXCEL.encode("cp1252"), "text/csv")}
    response = await admin.post(
        "/admin/contacts/import", data={"csrf_token": csrf_of(page.text)}, files=files
    )
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "imported: 1, updated: 0, unchanged: 0, rejected: 1" in text
    assert "line 3: rejected: address: not a phone number or an address: '12'" in text
    assert "Awa Traoré" in text  # read as Windows-1252, not mojibake
    found = await admin.get("/admin/contacts", params={"q": "76 12 34 56"})
    assert "Awa Traoré" in found.text and "+22376123456" not in found.text
    exported = await admin.get("/admin/contacts.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "tel:+22376123456,fr,ML,Awa Traoré,yes" in exported.text


async def test_bad_input_gets_a_clear_answer_never_a_500(admin, anonymous, services) -> None:
    ticket_id = await _ticket(services)
    token = csrf_of((await admin.get(f"/admin/tickets/{ticket_id}")).text)
    answered = await admin.post(
        f"/admin/tickets/{ticket_id}/reply",
        data={"csrf_token": token, "answer": "Bonjour\x00 🙂 \uffff" + "x" * 20_000},
    )
    assert answered.status_code == 303
    async with services.db.transaction() as session:
        ticket = await session.get(Ticket, ticket_id)
    assert ticket.answer.startswith("Bonjour\ufffd 🙂")
    assert len(ticket.answer) <= services.settings.max_text_length
    for path in ("/admin/tickets/abc", "/admin/tickets/99999999999999"):
        assert (await admin.get(path)).status_code == 404
    blank = await admin.post(f"/admin/tickets/{ticket_id}/reply", data={"csrf_token": token})
    assert blank.status_code == 400
    page = await anonymous.get("/admin/login")
    odd = await anonymous.post(
        "/admin/login",
        data={"email": "a\x00@b.ml", "password": "x", "csrf_token": csrf_of(page.text)},
    )
    assert odd.status_code == 401
    files = {"file": ("x.csv", b"telephone\n\x00\x00\n", "text/csv")}
    nul = await admin.post("/admin/contacts/import", data={"csrf_token": token}, files=files)
    assert nul.status_code == 400 and "NUL" in nul.text
    bad_segment = await admin.post(
        "/admin/broadcasts/new",
        data={"csrf_token": token, "text_fr": "x", "segment": "pays:ML", "at": ""},
    )
    assert bad_segment.status_code == 400 and "pays:ML" in html.unescape(bad_segment.text)
    for path in (
        "/admin/registrations?q=%00&forum=%00",
        "/admin/registrations?q=%00&format=csv",
        "/admin/contacts?q=%00%F0%9F%99%82",
        "/admin/audit?action=%00",
        "/admin/tickets?status=%00",
        "/admin/simulator?channel=%00",
        "/admin/broadcasts/preview?segment=%00&text_fr=%00",
    ):
        assert (await admin.get(path)).status_code == 200, path


async def test_registrations_gaps_and_audit_show_what_staff_need(admin, services) -> None:
    from storage import gaps
    from tests.staff.people import register

    [awa] = await add_people(
        services.db, {"address": "tel:+22376000001", "channel": "sms", "name": "Awa Traoré"}
    )
    await register(services.db, awa, "fidima")
    page = await admin.get("/admin/registrations", params={"forum": "fidima", "q": "Awa"})
    assert "Awa Traoré" in page.text and "FID-" in page.text
    assert "Awa Traoré" not in (await admin.get("/admin/registrations?q=Moussa")).text
    csv_file = await admin.get("/admin/registrations", params={"forum": "fidima", "format": "csv"})
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.text.lstrip("\ufeff").splitlines()[1].startswith("fidima,FID-")
    assert csv_file.text.lstrip("\ufeff").splitlines()[0].endswith(",edition")
    async with services.db.transaction() as session:
        await gaps.record(
            session, "visa chine", "Visa pour la Chine ?", "fr", "none", None, utcnow()
        )
        await gaps.record(session, "carte nina", "carte NINA", "fr", "unsure", "nina", utcnow())
    listed = html.unescape((await admin.get("/admin/gaps")).text)
    assert "Visa pour la Chine ?" in listed and "nina" in listed and "incertain" in listed
    journal = (await admin.get("/admin/audit")).text
    assert "staff.signed_in" in journal and f"staff:{ADMIN}" in journal


async def test_the_inbox_shows_the_newest_question_first(admin, services) -> None:
    await _ticket(services, "tel:+22376000001", "Première question, plus ancienne")
    await _ticket(services, "tel:+22376000002", "Seconde question, plus récente")
    page = html.unescape((await admin.get("/admin/tickets")).text)
    assert page.index("Seconde question") < page.index("Première question")
