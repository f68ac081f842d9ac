"""Staff commands on Telegram, and the wall around them: nobody else reaches a staff command,
whatever they type or whatever button data they forge."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.conversation import Conversation
from storage import broadcasts
from storage.models import AuditEntry, Broadcast, OutboxItem, Ticket
from tests.chat import Chat, FakeClock
from tests.staff.conftest import ADMIN, AGENT, STRANGER, sms_chat
from tests.staff.conftest import telegram_chat as tg
from tests.staff.people import T0, add_people, sms, telegram

FORGED = [
    "/broadcast",
    "/broadcast@DiasporaBot",
    "BROADCAST_SEND",
    "/broadcasts",
    "/cancel_broadcast 1",
    "/reply 1 hi",
    "/tickets",
    "/stats",
    "/gaps",
    "/staff",
]
STAFF_WORDS = ("Nouvelle annonce", "Annonces", "Questions en attente", "Chiffres", "Commandes")


async def _counts(db) -> tuple:
    async with db.transaction() as session:
        return (
            await session.scalar(select(func.count()).select_from(Broadcast)),
            await session.scalar(select(func.count()).select_from(OutboxItem)),
            await session.scalar(select(Ticket.status)),
            await session.scalar(select(func.count()).select_from(AuditEntry)),
        )


async def _a_ticket_and_a_broadcast_exist(conversation: Conversation) -> None:
    person = tg(conversation, "5550077")
    await person.say("conseiller")
    await person.say("Une question pour un conseiller")
    admin = tg(conversation, ADMIN)
    for text in ("/broadcast", "Bonjour", "SKIP", "all", "2026-12-01 09:00", "BROADCAST_SEND"):
        await admin.say(text)


@pytest.mark.parametrize("text", FORGED)
async def test_a_stranger_with_forged_commands_gets_an_ordinary_answer(
    conversation: Conversation, db, text: str
) -> None:
    await _a_ticket_and_a_broadcast_exist(conversation)
    before = await _counts(db)
    stranger = tg(conversation, STRANGER)
    answer = await stranger.say(text)
    assert stranger.turn.route.kind == "fallback"  # an ordinary question for the FAQ
    assert not any(word in answer for word in STAFF_WORDS)
    assert await _counts(db) == before


@pytest.mark.parametrize("text", FORGED)
async def test_the_same_words_on_sms_are_ordinary_text(
    conversation: Conversation, db, text: str
) -> None:
    await _a_ticket_and_a_broadcast_exist(conversation)
    before = await _counts(db)
    person = sms_chat(conversation)
    answer = await person.say(text)
    assert not any(word in answer for word in STAFF_WORDS)
    assert await _counts(db) == before


async def test_forged_confirmation_during_an_admins_draft_reaches_nothing(
    conversation: Conversation, db
) -> None:
    await add_people(db, telegram(1))
    admin = tg(conversation, ADMIN)
    for text in ("/broadcast", "Bonjour", "SKIP", "all", "NOW"):
        await admin.say(text)
    assert "BROADCAST_SEND" in admin.options
    stranger = tg(conversation, STRANGER)
    await stranger.say("BROADCAST_SEND")
    await stranger.say("1")  # the number of the confirm button
    assert (await _counts(db))[0] == 0
    assert "programmée" in await admin.say("BROADCAST_SEND")
    assert (await _counts(db))[0] == 1


async def test_an_agent_answers_tickets_but_cannot_broadcast(
    conversation: Conversation, db
) -> None:
    agent = tg(conversation, AGENT)
    await agent.say("/broadcast")
    assert agent.turn.route.kind == "fallback"
    await agent.say("/broadcasts")
    assert agent.turn.route.kind == "fallback"
    assert "Aucune question en attente" in await agent.say("/tickets")
    assert "/broadcast" not in await agent.say("/staff")


async def test_rights_withdrawn_mid_flow_end_the_draft(
    conversation: Conversation, db, knowledge, clock: FakeClock
) -> None:
    from dataclasses import replace

    admin = tg(conversation, ADMIN)
    for text in ("/broadcast", "Bonjour", "SKIP", "all", "NOW"):
        await admin.say(text)
    demoted = Conversation(db, knowledge, replace(conversation.config, staff_admins=frozenset()))
    former = Chat(demoted, f"telegram:{ADMIN}", "telegram", user_id=ADMIN)
    await former.say("BROADCAST_SEND")
    assert former.turn.route.kind == "fallback"
    assert (await _counts(db))[0] == 0


async def test_broadcast_flow_from_text_to_scheduled_sending(
    conversation: Conversation, db, clock: FakeClock
) -> None:
    people = await add_people(
        db,
        sms(1, language="fr", country="FR"),
        sms(2, language="en", country="FR"),
        sms(3, language="fr", country="FR", opted_out=True),
        telegram(1, language="fr", country="FR"),
        sms(4, language="fr", country="ML"),
    )
    admin = tg(conversation, ADMIN)
    assert "texte en français" in await admin.say("/broadcast")
    # Free text is the announcement, even when it starts like a keyword ("Langue", "Start").
    assert "texte en anglais" in await admin.say("Langue : réunion d'information le 5 décembre.")
    assert "À qui" in await admin.say("SKIP")
    assert "« XX » n'est pas un code pays" in await admin.say("country:XX")
    assert "Quand" in await admin.say("country:fr,channel:sms")
    assert "déjà passée" in await admin.say("2020-01-01 10:00")
    assert "pas compris la date" in await admin.say("demain matin")
    preview = await admin.say("2026-11-24 09:00")
    assert "Destinataires : 2" in preview
    assert "- en · sms: 1" in preview and "- fr · sms: 1" in preview
    assert "EN : pas de texte ; ces personnes recevront le texte FR" in preview
    assert "SMS en FR : GSM-7, 1 segment(s) par message × 2 = 2 segments" in preview
    assert "le 2026-11-24 09:00 (heure de Bamako)" in preview
    assert admin.options == ["BROADCAST_SEND", "BROADCAST_DISCARD"]
    assert "Annonce n° 1 programmée" in await admin.say("BROADCAST_SEND")

    async with db.transaction() as session:
        broadcast = await session.scalar(select(Broadcast))
        assert broadcast.send_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Bamako is GMT
        assert (broadcast.status, broadcast.segment) == ("scheduled", "channel:sms,country:FR")
        assert broadcast.created_by == f"telegram:{ADMIN}"
        assert broadcast.text_en is None
        entry = await session.scalar(select(AuditEntry))
        assert (entry.action, entry.actor, entry.details["estimated_recipients"]) == (
            "broadcast.created",
            f"telegram:{ADMIN}",
            2,
        )
        assert await broadcasts.queue_due(session, clock.now) == 0  # not yet
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    async with db.transaction() as session:
        assert await broadcasts.queue_due(session, clock.now) == 2
        rows = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.contact_id)))
    assert [r.contact_id for r in rows] == people[:2]
    assert {r.text for r in rows} == {"Langue : réunion d'information le 5 décembre."}

    listing = await admin.say("/broadcasts")
    assert "n° 1 · en envoi" in listing and "en file 2, envoyés 0" in listing


async def test_broadcasts_lists_and_cancels_scheduled_ones(conversation: Conversation, db) -> None:
    admin = tg(conversation, ADMIN)
    for text in ("/broadcast", "Bonjour", "Hello", "all", "2026-12-01 09:00", "BROADCAST_SEND"):
        await admin.say(text)
    listing = await admin.say("/broadcasts")
    assert "n° 1 · programmée · 2026-12-01 09:00 · all" in listing
    assert admin.options == ["/cancel_broadcast 1"]
    assert "Annonce n° 1 annulée" in await admin.say("1")  # the button
    assert "ne peut plus être annulée" in await admin.say("/cancel_broadcast 1")
    assert "pas d'annonce n° 7" in await admin.say("/cancel_broadcast 7")
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert (await session.scalar(select(Broadcast))).status == "cancelled"
    assert actions == ["broadcast.created", "broadcast.cancelled"]


async def test_discarding_a_draft_schedules_nothing(conversation: Conversation, db) -> None:
    admin = tg(conversation, ADMIN)
    for text in ("/broadcast", "Bonjour", "Hello", "lang:fr", "NOW"):
        await admin.say(text)
    assert "abandonnée" in await admin.say("BROADCAST_DISCARD")
    assert (await _counts(db))[0] == 0
    await admin.say("/broadcast")
    assert "Il n'y a rien en cours" not in await admin.say("menu")  # MENU leaves the draft
    assert (await _counts(db))[0] == 0


async def test_stats_and_gaps_for_staff(conversation: Conversation, db) -> None:
    agent = tg(conversation, AGENT)
    figures = await agent.say("/stats")
    assert "contacts: 1" in figures
    assert "0 en attente, 0 répondues" in figures
    from storage import gaps

    async with db.transaction() as session:
        for _ in range(3):
            await gaps.record(session, "visa chine", "visa Chine ?", "fr", "none", None, T0)
        await gaps.record(session, "carte nina", "carte NINA", "fr", "unsure", "nina", T0)
    listing = await agent.say("/gaps")
    assert listing.index("3× [fr] visa Chine ?") < listing.index("1× [fr] carte NINA → nina")
