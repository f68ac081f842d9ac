"""Awareness subscriptions and family enrolment, as conversations."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select, update

from bot import jobs
from bot.channels.base import SendResult
from bot.channels.render import render_for_sms
from bot.conversation import Conversation
from bot.dispatcher import Dispatcher, DispatcherConfig
from knowledge.awareness import series
from knowledge.gsm7 import segments
from storage.db import Database
from storage.models import Contact, Invitation, OutboxItem
from tests.chat import Chat, FakeClock
from tests.outbox_rows import queue, rows

RELATIVE = "tel:+22376123456"


async def contact(db: Database, address: str) -> Contact | None:
    async with db.transaction() as session:
        return await session.scalar(select(Contact).where(Contact.address == address))


def sms_chat(conversation: Conversation, address: str = RELATIVE) -> Chat:
    return Chat(conversation, address, "sms", render=partial(render_for_sms, max_segments=2))


class SmsProvider:
    """Records what the dispatcher sends by SMS (pure logic: no real SMS sender here)."""

    channel = "sms"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, address: str, text: str) -> SendResult:
        self.sent.append((address, text))
        return SendResult(ok=True, provider_id=f"SM{len(self.sent)}")


async def dispatch(db: Database, clock: FakeClock, sms: SmsProvider) -> None:
    config = DispatcherConfig(rates={}, worker_id="t")
    await Dispatcher(db, {"sms": sms}, config, clock=clock).run_until_idle()


# -- the offer and the keywords ------------------------------------------------------------------


async def test_awareness_messages_are_offered_once(chat: Chat) -> None:
    first = await chat.say("bonjour")
    assert "ABONNER" in first
    assert "MON ABONNEMENT" in chat.options  # the menu's entry
    again = await chat.say("bonjour")
    assert "Que puis-je faire pour vous" in again and "ABONNER" not in again
    menu = await chat.say("menu")
    assert "Menu : choisissez" in menu and "ABONNER" not in menu


async def test_the_offer_waits_when_numbered_options_are_on_screen(chat: Chat) -> None:
    answer = await chat.say("langue")  # a list of languages: numbers must keep their meaning
    assert "Choisissez votre langue" in answer and "ABONNER" not in answer
    assert "ABONNER" in await chat.say("menu")


async def test_the_offer_costs_no_extra_text_on_sms(conversation: Conversation, db) -> None:
    chat = sms_chat(conversation)
    await chat.say("bonjour")
    text = "\n".join(o.text for o in chat.turn.outgoing)
    assert "Messages sur la migration" in text  # the menu's entry is the offer
    assert "ABONNER" not in text and "semaine" not in text
    assert (await contact(db, RELATIVE)).awareness_offered


async def test_the_offer_comes_alone_after_a_reply_without_options(
    conversation: Conversation, db: Database
) -> None:
    console = Chat(conversation, "console:awa")
    answer = await console.say("mes donnees")  # a reply with no options of its own
    assert "voulez-vous le recevoir ? Envoyez ABONNER" in answer
    assert console.options == ["ABONNER"]
    # On SMS, the short version (here past the segment budget: it waits for PLUS).
    chat = sms_chat(conversation)
    await chat.say("double nationalité ?")  # a first SMS carries the welcome line instead
    await chat.say("mes donnees")
    sent = "\n".join(o.text for o in chat.turn.outgoing)
    held = (await contact(db, RELATIVE)).more_text or ""
    assert "Recevoir chaque semaine un message sur la migration ? Envoyez ABONNER." in sent + held
    assert "voulez-vous le recevoir" not in sent + held


async def test_subscribe_status_and_stop(chat: Chat, db: Database) -> None:
    assert "pas abonné" in await chat.say("mon abonnement")
    answer = await chat.say("ABONNER")
    assert "un message par semaine" in answer
    assert f"{len(series())} messages" in answer
    person = await contact(db, "console:tester")
    assert person.subscribed and person.subscribed_at is not None
    assert "0 message(s) reçu(s) sur 12" in await chat.say("statut")
    assert "déjà abonné" in await chat.say("s'abonner")
    await chat.say("STOP")
    assert not (await contact(db, "console:tester")).subscribed
    assert "ne plus recevoir" in await chat.say("mon abonnement")
    await chat.say("SUBSCRIBE")  # asking again is opting back in
    person = await contact(db, "console:tester")
    assert person.subscribed and not person.opted_out


async def test_stop_on_telegram_also_unsubscribes(conversation: Conversation, db) -> None:
    chat = Chat(conversation, "telegram:77", "telegram", language_hint="en")
    assert "Done" in await chat.say("/subscribe")
    assert (await contact(db, "telegram:77")).subscribed
    await chat.say("/stop")
    person = await contact(db, "telegram:77")
    assert person.opted_out and not person.subscribed


async def test_status_counts_the_messages_received(chat: Chat, db: Database) -> None:
    await chat.say("abonner")
    async with db.transaction() as session:
        await session.execute(update(Contact).values(awareness_next=4))
    assert "3 message(s) reçu(s) sur 12" in await chat.say("mon abonnement")
    async with db.transaction() as session:
        await session.execute(update(Contact).values(awareness_next=13))
    assert "toute la série" in await chat.say("mon abonnement")


# -- family enrolment ----------------------------------------------------------------------------


async def enrol(chat: Chat, number: str) -> str:
    asked = await chat.say("FAMILLE")
    assert "C'est lui qui décide" in asked
    confirm = await chat.say(number)
    assert "Répondez OUI pour confirmer" in confirm
    return await chat.say("oui")


async def test_a_relative_who_does_not_answer_gets_only_the_invitation(
    conversation: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(conversation, "telegram:501", "telegram")
    await awa.say("bonjour")
    assert "Invitation envoyée au +22376123456" in await enrol(awa, "76 12 34 56")
    relative = await contact(db, RELATIVE)
    assert relative.consent == "pending" and not relative.subscribed
    assert relative.invited_by_id == (await contact(db, "telegram:501")).id
    [invitation] = await rows(db)
    assert (invitation.kind, invitation.address) == ("invitation", RELATIVE)
    assert "Répondez OUI" in invitation.text and segments(invitation.text).segments == 1

    # A week passes without an answer: the awareness run skips them, a broadcast is cancelled.
    await jobs.awareness(db, clock.now + timedelta(days=7))
    await queue(db, [relative.id], "Annonce", source="broadcast:9", now=clock.now)
    sms = SmsProvider()
    clock.advance(hours=1)
    await dispatch(db, clock, sms)
    assert sms.sent == [(RELATIVE, invitation.text)]
    assert sorted(r.status for r in await rows(db)) == ["cancelled", "sent"]


async def test_a_relative_who_says_yes_receives_the_series(
    conversation: Conversation, db: Database, clock: FakeClock
) -> None:
    awa = Chat(conversation, "console:awa", "console")
    await enrol(awa, "+223 76 12 34 56")
    relative = sms_chat(conversation)
    assert "Merci" in await relative.say("OUI")
    person = await contact(db, RELATIVE)
    assert (person.consent, person.subscribed) == ("given", True)
    async with db.transaction() as session:
        assert (await session.scalar(select(Invitation))).status == "accepted"

    assert await jobs.awareness(db, clock.now) == 1
    sms = SmsProvider()
    await dispatch(db, clock, sms)
    assert [text for _, text in sms.sent][-1] == series().message(1).sms["fr"].strip()


async def test_a_relative_can_say_no(conversation: Conversation, db: Database) -> None:
    await enrol(Chat(conversation, "console:awa", "console"), "+22376123456")
    assert "vous ne recevrez pas" in await sms_chat(conversation).say("non")
    async with db.transaction() as session:
        assert (await session.scalar(select(Invitation))).status == "declined"
    assert (await contact(db, RELATIVE)).consent == "pending"


async def test_one_invitation_per_number_per_30_days(
    conversation: Conversation, db: Database, clock: FakeClock
) -> None:
    await enrol(Chat(conversation, "console:awa", "console"), "+22376123456")
    assert "n'enverrons pas" in await enrol(
        Chat(conversation, "telegram:502", "telegram"), "+22376123456"
    )
    clock.advance(days=31)
    assert "Invitation envoyée" in await enrol(
        Chat(conversation, "telegram:502", "telegram"), "+22376123456"
    )
    async with db.transaction() as session:
        invitations = list(await session.scalars(select(OutboxItem.id)))
    assert len(invitations) == 2


async def test_a_number_that_opted_out_is_never_invited(
    conversation: Conversation, db: Database
) -> None:
    await sms_chat(conversation).say("ARRET")
    assert "n'enverrons pas" in await enrol(Chat(conversation, "console:awa"), "+22376123456")
    assert await rows(db) == []


async def test_the_number_is_read_in_the_users_country(
    conversation: Conversation, db: Database
) -> None:
    awa = Chat(conversation, "telegram:503", "telegram")
    await awa.say("bonjour")
    async with db.transaction() as session:
        await session.execute(
            update(Contact).where(Contact.address == "telegram:503").values(country="FR")
        )
    await awa.say("famille")
    assert "+33612345678" in await awa.say("06 12 34 56 78")


async def test_a_bad_number_is_asked_again_and_cancel_leaves(conversation: Conversation) -> None:
    awa = Chat(conversation, "console:awa")
    await awa.say("famille")
    assert "Je ne reconnais pas ce numéro" in await awa.say("mon cousin")
    assert "Je ne reconnais pas ce numéro" in await awa.say("12")
    assert "annulé" in await awa.say("annuler")


async def test_family_enrolment_is_not_offered_by_sms(conversation: Conversation) -> None:
    answer = await sms_chat(conversation, "tel:+22376000000").say("famille")
    assert "C'est lui qui décide" not in answer
    assert "familles" in answer  # the word is read as a question (the FAQ on money sent home)


async def test_an_invited_relative_can_still_confirm_an_erasure(
    conversation: Conversation, db: Database
) -> None:
    await enrol(Chat(conversation, "console:awa"), "+22376123456")
    relative = sms_chat(conversation)
    await relative.say("supprimer")
    await relative.say("oui")  # the flow's question wins over the invitation
    assert await contact(db, RELATIVE) is None
