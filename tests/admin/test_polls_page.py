"""The polls' results in the back office (issue 17): people answer a real poll on SMS and
Telegram, staff read the counts as bar charts, by group; free text for admins only; an admin
closes the poll from the page."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry
from tests.admin.conftest import csrf_of
from tests.handlers.test_polls import sms, telegram
from tests.polls import SMS_EN, SMS_FR, TG_EN, Polls, mixed_audience

FREE_TEXT = "Plus de réunions avec la diaspora de Lyon"


async def _answered(db, knowledge, conversation, clock, invest) -> None:  # type: ignore[no-untyped-def]
    polls = Polls(db, knowledge, clock, invest)
    await mixed_audience(db)
    await polls.create()
    assert await polls.send() == 4
    await polls.dispatch()
    awa = sms(conversation, SMS_FR)
    assert "Noté : Commerce." in await awa.say("2")
    assert "Noté : Le financement." in await awa.say("3")
    await awa.say(FREE_TEXT)
    assert "Noted: Housing." in await sms(conversation, SMS_EN).say("HOUSING")
    assert "Noted: Trade." in await telegram(conversation, TG_EN).say("2")


async def test_staff_read_the_results_as_bar_charts_and_only_admins_read_free_text(
    admin, agent, db, knowledge, conversation, clock, invest
) -> None:
    await _answered(db, knowledge, conversation, clock, invest)
    listing = (await admin.get("/admin/polls")).text
    assert "Investir au Mali" in listing and "ouvert" in listing
    assert "<td>4</td><td>3</td>" in listing  # invited, respondents

    page = await admin.get("/admin/polls/invest_sector")
    assert page.status_code == 200
    html = page.text
    assert "Dans quel secteur investiriez-vous d&#39;abord ?" in html
    assert html.count("<svg") >= 2  # a chart per question with options
    assert "2 (66.7 %)" in html and "1 (33.3 %)" in html  # trade, housing of 3 answers
    assert "75 %" in html  # 3 respondents of 4 invited
    assert FREE_TEXT in html

    seen_by_agent = (await agent.get("/admin/polls/invest_sector")).text
    assert "2 (66.7 %)" in seen_by_agent
    assert FREE_TEXT not in seen_by_agent
    assert "ne sont montrées qu&#39;aux administrateurs" in seen_by_agent
    assert "Clore ce sondage" not in seen_by_agent


async def test_results_by_country_and_for_one_country(
    admin, db, knowledge, conversation, clock, invest
) -> None:
    await _answered(db, knowledge, conversation, clock, invest)
    by_country = (await admin.get("/admin/polls/invest_sector?by=country")).text
    assert '<th scope="row">CI</th><td>1</td>' in by_country
    assert '<option value="FR"' in by_country  # a group to choose
    france = (await admin.get("/admin/polls/invest_sector?by=country&group=FR")).text
    assert "1 (100 %)" in france and "2 (66.7 %)" not in france  # housing, the one answer
    odd = await admin.get("/admin/polls/invest_sector?by=nonsense&group=<x>")
    assert odd.status_code == 200 and "<x>" not in odd.text


async def test_an_admin_closes_a_poll_from_its_page_and_it_is_audited(
    admin, agent, db, knowledge, conversation, clock, invest
) -> None:
    await _answered(db, knowledge, conversation, clock, invest)
    page = (await admin.get("/admin/polls/invest_sector")).text
    agent_token = csrf_of((await agent.get("/admin/polls/invest_sector")).text)
    refused = await agent.post(
        "/admin/polls/invest_sector/close", data={"csrf_token": agent_token}
    )
    assert refused.status_code == 403
    forged = await admin.post("/admin/polls/invest_sector/close", data={"csrf_token": "x"})
    assert forged.status_code == 403
    closed = await admin.post(
        "/admin/polls/invest_sector/close", data={"csrf_token": csrf_of(page)}
    )
    assert closed.status_code == 303
    after = (await admin.get(closed.headers["location"])).text
    assert "Le sondage est clos." in after and "Clore ce sondage" not in after
    assert "clos" in (await admin.get("/admin/polls")).text
    again = await admin.post(
        "/admin/polls/invest_sector/close", data={"csrf_token": csrf_of(page)}
    )
    assert again.status_code == 409 and "déjà clos" in again.text
    # The person who writes now is told the poll is closed.
    assert "is closed" in await sms(conversation, SMS_EN).say("1")
    async with db.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "poll_close"))
    assert entry.actor == "staff:awa.admin@ministere.ml" and entry.target == "poll:invest_sector"


async def test_an_unknown_poll_is_not_found(admin) -> None:
    assert (await admin.get("/admin/polls/nothing")).status_code == 404
    assert "Aucun sondage" in (await admin.get("/admin/polls")).text
