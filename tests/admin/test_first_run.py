"""First run: no staff account yet; the link `diaspora-bot run` logs creates the first admin."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot import admin
from bot.services import Services
from bot.settings import Settings
from tests.admin.conftest import PASSWORD, client_for, csrf_of, sign_in


async def test_the_setup_link_creates_the_first_admin_once(db, db_url, knowledge) -> None:
    settings = Settings(_env_file=None, database_url=db_url, port=8080)
    services = await Services.start(settings, knowledge=knowledge, upgrade=False, answers=False)
    try:
        link = await admin.setup_link(services)
        assert link is not None and link.startswith("http://127.0.0.1:8080/admin/setup?token=")
        path = urlsplit(link).path + "?" + urlsplit(link).query
        async with client_for(services) as client:
            form = await client.get(path)
            assert form.status_code == 200 and "Créer le premier administrateur" in form.text
            token = csrf_of(form.text)
            differ = await client.post(path, data={
                "csrf_token": token, "email": "chef@ministere.ml",
                "password": PASSWORD, "password2": PASSWORD + "x",
            })  # fmt: skip
            assert differ.status_code == 400 and "diffèrent" in differ.text
            created = await client.post(path, data={
                "csrf_token": token, "email": "chef@ministere.ml",
                "password": PASSWORD, "password2": PASSWORD,
            })  # fmt: skip
            assert created.status_code == 303
            assert (await sign_in(client, "chef@ministere.ml")).status_code == 303
            assert "chef@ministere.ml (administrateur)" in (await client.get("/admin")).text
            again = await client.get(path)
            assert again.status_code == 403  # used: no second admin through it
        assert await admin.setup_link(services) is None  # an account exists: no link at start
    finally:
        await services.close()
