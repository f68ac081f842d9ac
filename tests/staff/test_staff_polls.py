"""Polls from Telegram, for staff who work there: /polls, /poll_results, /poll_close and
/poll_send, through the real Telegram channel against the fake Bot API; and the wall around
them (agents read results without free text, strangers get an ordinary answer)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from knowledge.polls import Poll
from storage.db import Database
from storage.models import AuditEntry, OutboxItem, PollInvitation
from tests.bot.telegram_support import buttons, running, wait_for
from tests.chat import FakeClock
from tests.fakes.telegram_api import FakeBotApi
from tests.polls import SMS_EN, SMS_FR, TG_FR, Polls, invest, mixed_audience
from tests.staff.conftest import STAFF_GROUP

ADMIN, AGENT, STRANGER = 1001, 1002, 4242
STAFF_WORDS = ("Sondages (les plus", "répondants", "Aperçu des invitations", "clos :")


@pytest.fixture
async def api(db: Database, db_url: str, knowledge) -> AsyncIterator[FakeBotApi]:
    """The fake Bot API, with the service's Telegram channel running against it: 1001 is an
    admin, 1002 an agent."""
    with FakeBotApi() as fake:
        async with running(db_url, fake, knowledge, staff_agent_telegram_ids=str(AGENT)):
            yield fake


def open_ended() -> Poll:
    """The example poll with no closing date: the service runs on today's clock."""
    return Poll.from_data({**invest().to_data(), "closes": None})


@pytest.fixture
async def answered(db: Database, knowledge) -> Polls:
    """The poll sent to four people, three of whom answered; one wrote a free-text answer."""
    polls = Polls(db, knowledge, FakeClock(), open_ended())
    await mixed_audience(db)
    await polls.create()
    await polls.send()
    await polls.dispatch()
    await polls.answer(SMS_FR, "sector", "trade")
    await polls.answer(SMS_EN, "sector", "housing")
    await polls.answer(TG_FR, "sector", "trade")
    await polls.answer(TG_FR, "comment", "Plus d'écoles à Kayes", free=True)
    return polls


async def reply(api: FakeBotApi, chat_id: int, text: str, contains: str) -> dict:
    """Say `text` as `chat_id` in their private chat; the bot's message containing `contains`."""
    before = len(api.sent_to(chat_id))
    api.push_text(chat_id, text)

    def found() -> dict | None:
        return next((m for m in api.sent_to(chat_id)[before:] if contains in m["text"]), None)

    return await wait_for(found, what=f"a reply with {contains!r} to {text!r}")


async def all_said(api: FakeBotApi, chat_id: int, text: str) -> str:
    """Say `text`; everything the bot answered, once it has answered."""
    before = len(api.sent_to(chat_id))
    api.push_text(chat_id, text)
    await wait_for(lambda: len(api.sent_to(chat_id)) > before, what=f"an answer to {text!r}")
    return "\n".join(m["text"] for m in api.sent_to(chat_id)[before:])


async def test_staff_list_polls_and_read_results_by_country(
    api: FakeBotApi, answered: Polls
) -> None:
    listing = await reply(api, AGENT, "/polls", "Sondages (les plus récents d'abord)")
    line = "invest_sector · Investir au Mali · ouvert · invités 4 · répondants 3"
    assert line in listing["text"]

    results = await reply(api, AGENT, "/poll_results invest_sector country", "taux de réponse")
    text = results["text"]
    assert "Invités 4 · répondants 3 · taux de réponse 75 %" in text
    assert "1. Dans quel secteur investiriez-vous d'abord ? (3 réponses)" in text
    assert "• Commerce: 2 (66.7 %) ▇▇▇▇▇▇▇" in text
    assert "• Immobilier: 1 (33.3 %)" in text
    assert "FR: Commerce 1, Immobilier 1" in text and "ML: Commerce 1" in text
    assert "3. Un mot pour le ministère ? (1 réponses)" in text
    assert "FR: réponses libres 1" in text  # counted, not shown: an agent is not an admin
    assert "Kayes" not in text
    # Never who answered what: no address, no Telegram id, no phone number.
    assert not re.search(r"\d{6,}|5001|5002|telegram:", text)
    assert len(text) < 4096

    # The same command, with the same function the command line calls: the free text is there
    # for an admin in their private chat, and not in the staff group, where everyone reads.
    admin = await reply(api, ADMIN, "/poll_results invest_sector", "taux de réponse")
    assert "– Plus d'écoles à Kayes" in admin["text"]
    before = len(api.sent_to(int(STAFF_GROUP)))
    api.push_text(
        int(STAFF_GROUP), "/poll_results invest_sector", user_id=ADMIN, chat_type="supergroup"
    )
    await wait_for(lambda: len(api.sent_to(int(STAFF_GROUP))) > before, what="the group's answer")
    in_group = api.sent_to(int(STAFF_GROUP))[-1]["text"]
    assert "taux de réponse 75 %" in in_group and "Kayes" not in in_group


async def test_a_wrong_results_request_says_how_to_ask(api: FakeBotApi, answered: Polls) -> None:
    usage = "Écrivez : /poll_results ID"
    assert usage in (await reply(api, AGENT, "/poll_results", usage))["text"]
    assert usage in (await reply(api, AGENT, "/poll_results invest_sector age", usage))["text"]
    missing = await reply(api, AGENT, "/poll_results no_such_poll", "Il n'y a pas de sondage")
    assert "« no_such_poll »" in missing["text"]


async def test_an_admin_sends_a_poll_after_the_broadcasts_preview_and_confirmation(
    api: FakeBotApi, db: Database, knowledge
) -> None:
    polls = Polls(db, knowledge, FakeClock(), open_ended())
    await mixed_audience(db)
    await polls.create()
    preview = await reply(
        api, ADMIN, "/poll_send invest_sector channel:sms", "Aperçu des invitations"
    )
    text = preview["text"]
    assert "Audience : channel:sms" in text and "Envoi : dès maintenant" in text
    assert "Destinataires : 2" in text
    assert "SMS en FR : GSM-7" in text and "SMS en EN : GSM-7" in text
    # The broadcast's buttons: confirm or discard.
    assert [value for _, value in buttons(preview)] == ["BROADCAST_SEND", "BROADCAST_DISCARD"]
    async with db.transaction() as session:
        assert await session.scalar(select(PollInvitation.id)) is None  # nothing sent yet

    api.push_callback(ADMIN, "BROADCAST_SEND", message_id=preview["message_id"], text=text)
    await wait_for(
        lambda: any("2 invitations en file" in m["text"] for m in api.sent_to(ADMIN)),
        what="the receipt",
    )
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxItem).where(OutboxItem.kind == "poll")))
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "poll_send"))
    assert sorted(r.address for r in rows) == sorted([SMS_FR, SMS_EN])
    assert audit is not None and audit.actor == f"telegram:{ADMIN}"

    # Sent again to everyone: the two already invited are left out, and DISCARD sends nothing.
    again = await reply(api, ADMIN, "/poll_send invest_sector all", "Aperçu des invitations")
    # The two Telegram people, and the admin's own chat with the bot (staff are people too).
    assert "Destinataires : 3" in again["text"] and "- fr · telegram: 2" in again["text"]
    discarded = await reply(api, ADMIN, "BROADCAST_DISCARD", "Rien n'a été envoyé")
    assert "invest_sector" in discarded["text"]
    async with db.transaction() as session:
        count = len(list(await session.scalars(select(PollInvitation.id))))
    assert count == 2


async def test_a_poll_send_with_a_bad_audience_or_a_closed_poll_is_refused(
    api: FakeBotApi, answered: Polls
) -> None:
    bad = await reply(api, ADMIN, "/poll_send invest_sector channel:fax", "n'est pas un canal")
    assert not buttons(bad)
    usage = await reply(api, ADMIN, "/poll_send invest_sector", "Écrivez : /poll_send ID")
    assert "country:FR,channel:sms" in usage["text"]
    await answered.close()
    closed = await reply(api, ADMIN, "/poll_send invest_sector all", "est clos")
    assert not buttons(closed)


async def test_an_admin_closes_a_poll_audited_with_their_account(
    api: FakeBotApi, db: Database, answered: Polls
) -> None:
    done = await reply(api, ADMIN, "/poll_close invest_sector", "Sondage invest_sector clos")
    assert "invitations encore en file sont annulées" in done["text"]
    async with db.transaction() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "poll_close"))
    assert audit is not None and audit.actor == f"telegram:{ADMIN}"
    assert audit.target == "poll:invest_sector"
    again = await reply(api, ADMIN, "/poll_close invest_sector", "est clos")
    assert "Le sondage invest_sector est clos." in again["text"]
    listing = await reply(api, ADMIN, "/polls", "Sondages (les plus")
    assert "invest_sector · Investir au Mali · clos" in listing["text"]


@pytest.mark.parametrize(
    "text",
    ["/poll_close invest_sector", "/poll_send invest_sector all"],
)
async def test_an_agent_cannot_close_or_send(
    api: FakeBotApi, db: Database, answered: Polls, text: str
) -> None:
    answer = await all_said(api, AGENT, text)
    assert not any(word in answer for word in STAFF_WORDS)
    async with db.transaction() as session:
        audit = list(await session.scalars(select(AuditEntry.action)))
    assert "poll_close" not in audit and audit.count("poll_send") == 1  # the setting's send
    assert (await answered.results())["respondents"] == 3  # the poll still takes answers


@pytest.mark.parametrize(
    "text",
    [
        "/polls",
        "/poll_results invest_sector",
        "/poll_results invest_sector country",
        "/poll_close invest_sector",
        "/poll_send invest_sector all",
        "BROADCAST_SEND",
    ],
)
async def test_a_stranger_gets_the_answer_anyone_gets(
    api: FakeBotApi, db: Database, answered: Polls, text: str
) -> None:
    """No staff word, no result, nothing changed: what these words mean to anyone (SONDAGE
    lists the polls open to them, the rest is a question for the FAQ)."""
    answer = await all_said(api, STRANGER, text)
    assert not any(word in answer for word in STAFF_WORDS)
    assert "taux de réponse" not in answer and "Commerce: 2" not in answer
    async with db.transaction() as session:
        audit = list(await session.scalars(select(AuditEntry.action)))
        invited = list(
            await session.scalars(
                select(PollInvitation.id).where(PollInvitation.kind == "invited")
            )
        )
    assert audit == ["poll_create", "poll_send"] and len(invited) == 4
