"""The contacts CSV upload has a limit of its own (MAX_UPLOAD_BYTES): a list of thousands of
people goes through the back office, a larger file gets a page that says why (413), and every
other path, the webhooks above all, keeps MAX_REQUEST_BYTES."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Contact
from tests.admin.conftest import ADMIN, client_for, csrf_of, sign_in
from tests.bot.sms_app import PERSON, open_sms_app, sms_settings

HEADER = "téléphone;langue;pays;nom;commentaire\n"
# An export from a spreadsheet with a long column the import does not read: a file past
# 256 KiB with few enough people for a quick test.
NOTE = "Rencontrée au forum de Paris, souhaite des nouvelles du projet de Kayes. " * 14


def people_csv(rows: int) -> bytes:
    lines = (f"+2237{n:07d};fr;ML;Aminata Traoré {n};{NOTE}\n" for n in range(rows))
    return (HEADER + "".join(lines)).encode()


async def _upload(client, services, body: bytes):  # type: ignore[no-untyped-def]
    token = csrf_of((await client.get("/admin/contacts")).text)
    files = {"file": ("people.csv", body, "text/csv")}
    return await client.post("/admin/contacts/import", data={"csrf_token": token}, files=files)


async def test_a_list_past_the_request_limit_is_imported_from_the_page(services) -> None:
    body = people_csv(300)
    assert len(body) > services.settings.max_request_bytes  # refused before this change
    async with client_for(services) as admin:
        await sign_in(admin, ADMIN)
        response = await _upload(admin, services, body)
    assert response.status_code == 200, response.text[:500]
    assert "imported: 300" in response.text and "rejected: 0" in response.text
    assert "commentaire" in response.text  # the column not read, reported
    async with services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 300


async def test_a_file_over_the_upload_limit_gets_a_page_saying_why(services) -> None:
    services.settings.max_upload_bytes = 300_000
    async with client_for(services) as admin:
        await sign_in(admin, ADMIN)
        response = await _upload(admin, services, people_csv(400))
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert "Fichier trop volumineux" in response.text and "File too large" in response.text
        assert "dépasse 0.3 Mo" in response.text and "larger than 0.3 MB" in response.text

        # Sent without a length (chunked): cut off while read, the same page.
        token = csrf_of((await admin.get("/admin/contacts")).text)
        boundary = "b0undary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()

        async def chunks():  # noqa: ANN202
            yield head
            body = people_csv(400)
            for start in range(0, len(body), 16_384):
                yield body[start : start + 16_384]
            yield f"\r\n--{boundary}--\r\n".encode()

        chunked = await admin.post(
            "/admin/contacts/import",
            content=chunks(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert chunked.status_code == 413 and "Fichier trop volumineux" in chunked.text
        # Any other page keeps the small limit.
        other = await admin.post(
            "/admin/staff/add", data={"csrf_token": token, "x": "y" * 300_000}
        )
        assert other.status_code == 413 and "Fichier" not in other.text
    async with services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_the_webhooks_keep_the_small_limit(db, knowledge) -> None:
    settings = sms_settings(db.url, max_request_bytes=4096, max_upload_bytes=10_000_000)
    async with open_sms_app(settings, knowledge) as app:
        params = app.twilio.inbound_params(PERSON, "x" * 8192, app.twilio.new_sid())
        assert (await app.twilio.post("/sms/twilio", params)).status_code == 413
