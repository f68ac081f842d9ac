"""The back office end to end, in a real browser: Debian's chromium driven by Playwright, against
`diaspora-bot run` (a subprocess, as deployed) whose Telegram channel talks to the fake Bot API.

A staff member signs in, sees the overview's charts (a screenshot is kept in test-artefacts/),
the most asked entries among them, reads a poll's results as bar charts, answers a person's
question and the answer reaches the person's Telegram chat, writes a broadcast and watches it
queue and send, tries the bot in the simulator, and opens and closes a forum edition.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.bot.test_cli import ROOT, run
from tests.fakes.telegram_api import FakeBotApi
from tests.telegram_sender import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", ROOT / "test-artefacts"))
EMAIL, PASSWORD = "awa.admin@ministere.ml", "correct horse battery"
PERSON = 4242

playwright_api = pytest.importorskip("playwright.sync_api")
# Assertions that wait (up to the page's timeout) for what a click or a navigation brings: a bare
# is_visible() right after a click read the page before it loaded, on a busy CI machine.
expect = playwright_api.expect
expect.set_options(timeout=15_000)
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt)")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, what: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, FakeBotApi]]:
    """`diaspora-bot run` on a free port, Telegram on the fake Bot API, one admin account."""
    with FakeBotApi() as api:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api.url,
            "QUIET_HOURS": "",
            "BROADCAST_POLL_SECONDS": "0.5",
            "FAQ_SEMANTIC": "false",
        }
        added = run(
            ["staff", "add", EMAIL, "--role", "admin", "--password-stdin"],
            tmp_path, PASSWORD + "\n", **env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env={
                **os.environ,
                **env,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
                "PORT": str(port),
                "LOG_LEVEL": "WARNING",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        SERVICE_DIRS[url] = tmp_path  # the CLI's database is the service's (cli.db)

        def up() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            _wait(up, "the service to start", 60)
            yield url, api
        finally:
            process.terminate()
            process.wait(timeout=20)


def service_dir(url: str) -> Path:
    return SERVICE_DIRS[url]


SERVICE_DIRS: dict[str, Path] = {}


def test_staff_work_in_the_back_office_in_a_real_browser(service) -> None:
    url, api = service
    # A person asks the ministry a question on Telegram: the bot opens a ticket.
    api.push_text(PERSON, "conseiller", user_id=PERSON)
    _wait(lambda: len(api.sent_to(PERSON)) >= 1, "the bot to ask for the question")
    api.push_text(PERSON, "Comment faire un passeport pour mon fils ?", user_id=PERSON)
    _wait(lambda: len(api.sent_to(PERSON)) >= 2, "the ticket to be opened")
    # Back to the menu (else more text joins the question), the FAQ answers a question: counted
    # among the most asked entries.
    api.push_text(PERSON, "menu", user_id=PERSON)
    _wait(lambda: len(api.sent_to(PERSON)) >= 3, "the menu")
    api.push_text(PERSON, "double nationalité", user_id=PERSON)
    _wait(lambda: any("double nationalit" in m["text"].lower() for m in api.sent_to(PERSON)[3:]),
          "the FAQ's answer")  # fmt: skip
    # A poll, sent from the command line by the admin; the person answers it.
    poll_file = str(ROOT / "knowledge" / "polls" / "invest_sector.yaml")
    staff = {"DIASPORA_STAFF": EMAIL}
    assert run(["poll", "create", poll_file], service_dir(url), **staff).returncode == 0
    sent = run(["poll", "send", "invest_sector", "--segment", "all", "--yes"], service_dir(url),
               **staff)  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    _wait(lambda: any("Investir au Mali" in m["text"] for m in api.sent_to(PERSON)),
          "the poll's invitation")  # fmt: skip
    api.push_text(PERSON, "2", user_id=PERSON)
    _wait(lambda: any("Noté : Commerce." in m["text"] for m in api.sent_to(PERSON)),
          "the poll's answer to be taken")  # fmt: skip

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.set_default_timeout(15_000)

        # Sign in: a signed-out visitor is sent to the sign-in page.
        page.goto(f"{url}/admin")
        assert "/admin/login" in page.url
        page.get_by_label("Adresse e-mail").fill(EMAIL)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(re.compile(r".*/admin$"))

        # The overview's charts, the most asked entries among them.
        assert page.locator("svg.chart").count() >= 6
        expect(page.get_by_role("heading", name="Messages par jour (30 jours)")).to_be_visible()
        most_asked = page.get_by_role("heading", name="Questions les plus demandées (30 jours)")
        expect(most_asked).to_be_visible()
        expect(page.locator("svg.chart[aria-label^='Questions les plus'] text")).to_have_count(2)
        assert page.get_by_role("heading", name="Fournisseurs SMS").count() == 0  # no SMS here
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "admin-overview.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.screenshot(path=str(ARTEFACTS / "admin-overview-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1200, "height": 1000})

        # The poll's results: a bar chart per question, by keyboard from the menu.
        page.get_by_role("link", name="Sondages").click()
        page.get_by_role("link", name="Investir au Mali").click()
        sector = page.locator("svg.chart[aria-label^='Dans quel secteur']")
        expect(sector).to_be_visible()
        expect(sector).to_contain_text("1 (100 %)")
        expect(page.get_by_text("100 %", exact=True).first).to_be_visible()  # the response rate
        page.get_by_label("Résultats par", exact=True).select_option("channel")
        page.get_by_role("button", name="Afficher").click()
        expect(page.get_by_role("rowheader", name="telegram").first).to_be_visible()
        page.screenshot(path=str(ARTEFACTS / "admin-poll.png"), full_page=True)

        # Answer the question: it reaches the person's Telegram chat.
        page.get_by_role("link", name="Questions à traiter").click()
        page.get_by_role("link", name=re.compile("passeport pour mon fils")).click()
        page.get_by_label("Votre réponse").fill("Prenez rendez-vous au consulat avec son acte.")
        page.get_by_role("button", name="Envoyer la réponse").click()
        expect(page.get_by_text("Réponse envoyée")).to_be_visible()
        _wait(
            lambda: any("rendez-vous au consulat" in m["text"] for m in api.sent_to(PERSON)),
            "the answer to reach the person",
        )

        # Compose a broadcast: the live preview counts the recipient, then it queues and sends.
        page.get_by_role("link", name="Annonces").click()
        page.get_by_role("link", name="Nouvelle annonce").click()
        page.get_by_label("Texte en français").fill("Le forum de la diaspora ouvre samedi.")
        page.locator("#preview").get_by_text("1 destinataires").wait_for()
        page.get_by_role("button", name="Programmer l'annonce").click()
        page.wait_for_url(re.compile(r".*/admin/broadcasts$"))

        def sent() -> bool:
            page.reload()
            return page.locator("tr[data-broadcast] td.sent").first.inner_text() == "1"

        _wait(sent, "the broadcast to be sent", 40)
        assert page.locator("tr[data-broadcast] td.status").first.inner_text() == "envoyée à tous"
        assert any("forum de la diaspora" in m["text"] for m in api.sent_to(PERSON))

        # The simulator: the bot's menu as an SMS user, with segments.
        page.get_by_role("link", name="Simulateur").click()
        page.get_by_label("Votre message").fill("menu")
        page.get_by_role("button", name="Envoyer", exact=True).click()
        expect(page.locator("#transcript .sms").first).to_contain_text(re.compile(r"^GSM-7"))

        # Open a forum edition from the registrations page, then close it.
        page.get_by_role("link", name="Inscriptions").click()
        page.get_by_role("link", name="Forums : ouvrir ou fermer une édition").click()
        page.locator("#fidima-starts").fill("2030-03-15")
        page.locator("#fidima-ends").fill("2030-03-16")
        page.locator("#fidima-place").fill("Bamako")
        page.locator("#fidima-capacity").fill("300")
        page.get_by_role("button", name="Ouvrir une édition FIDIMA").click()
        expect(page.get_by_text("Édition ouverte.")).to_be_visible()
        page.get_by_role("button", name="Fermer les inscriptions FIDIMA").click()
        expect(page.get_by_text("Inscriptions fermées.")).to_be_visible()
        browser.close()
