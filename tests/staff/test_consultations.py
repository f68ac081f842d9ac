"""Consultations: a question the bot cannot answer goes to staff, and the answer comes back on the
person's own channel."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.conversation import Conversation
from storage import broadcasts, stats
from storage.audience import Audience
from storage.models import AuditEntry, Contact, FlowState, Message, OutboxItem, Ticket
from tests.chat import Chat, FakeClock
from tests.staff.conftest import ADMIN, AGENT, STAFF_GROUP, in_group, said, sms_chat
from tests.staff.conftest import telegram_chat as tg

QUESTION = "Comment faire légaliser un acte de naissance à Pékin ?"


async def unanswered(chat: Chat, db, question: str) -> None:
    """The person asks something the bot cannot answer: the reply offers CONSEILLER."""
    await chat.say(question)
    if "CONSEILLER" not in chat.options:
        # Without the FAQ engine in this build, leave what its "I don't know" answer leaves:
        # the options of that reply, which a number or the keyword then refers to.
        async with db.transaction() as session:
            await session.execute(
                update(Contact)
                .where(Contact.address == chat.address)
                .values(
                    last_options=[
                        ["Poser une question", "QUESTIONS"],
                        ["Poser ma question à un conseiller", "CONSEILLER"],
                    ]
                )
            )


async def rows_to(db, address: str) -> list[OutboxItem]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(OutboxItem).where(OutboxItem.address == address).order_by(OutboxItem.id)
        )
        return list(found)


async def the_ticket(db) -> Ticket:
    async with db.transaction() as session:
        return await session.scalar(select(Ticket))


async def test_thanks_and_goodbye_while_waiting_are_not_details_of_the_question(
    conversation: Conversation, db
) -> None:
    person = sms_chat(conversation)
    await unanswered(person, db, QUESTION)
    await person.say(str(person.options.index("CONSEILLER") + 1))
    notices = len(await rows_to(db, f"telegram:{STAFF_GROUP}"))
    for small_talk in ("merci bcp", "a ka di", "au revoir", "👍"):
        reply = await person.say(small_talk)
        assert "question no 1 reste posée" in reply and "Ajouté" not in reply
    assert len(await rows_to(db, f"telegram:{STAFF_GROUP}")) == notices  # staff not bothered
    # A real detail still joins the question.
    assert "Ajouté à votre question no 1" in await person.say("il est né à Kayes en 2019")


async def test_round_trip_from_sms_to_staff_on_telegram_and_back(
    conversation: Conversation, db, clock: FakeClock
) -> None:
    person = sms_chat(conversation)
    await unanswered(person, db, QUESTION)
    choice = person.options.index("CONSEILLER") + 1
    answer = await person.say(str(choice))  # the numbered option: ask a counsellor
    assert "question no 1 est transmise" in answer  # GSM-7: "n°" became "no"

    ticket = await the_ticket(db)
    assert (ticket.status, ticket.question) == ("open", QUESTION)
    (notice,) = await rows_to(db, f"telegram:{STAFF_GROUP}")
    assert notice.kind == "ticket" and notice.source == f"ticket:{ticket.id}"
    assert QUESTION in notice.text and "n° 1" in notice.text
    assert "sms tel:…456" in notice.text and "76123456" not in notice.text  # masked

    # The dispatcher sends it to the group and records Telegram's message id.
    async with db.transaction() as session:
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == notice.id)
            .values(status="sent", provider_id="9001")
        )

    assert "Ajouté à votre question no 1" in await person.say("C'est pour mon fils, né en 2019.")
    follow_up = (await rows_to(db, f"telegram:{STAFF_GROUP}"))[-1]
    assert "né en 2019" in follow_up.text and follow_up.source == f"ticket:{ticket.id}"

    clock.advance(hours=3)
    turn = await in_group(
        conversation, AGENT, "Adressez-vous à l'ambassade du Mali à Pékin, service état civil.",
        reply_to="9001",
    )  # fmt: skip
    assert "Réponse à la question n° 1 envoyée" in said(turn)

    (to_person,) = await rows_to(db, "tel:+22376123456")
    assert (to_person.kind, to_person.channel, to_person.status) == ("ticket", "sms", "queued")
    assert to_person.text == (
        "Réponse d'un conseiller à votre question no 1 :\n"  # GSM-7: "n°" became "no"
        "Adressez-vous à l'ambassade du Mali à Pékin, service état civil."
    )

    ticket = await the_ticket(db)
    assert ticket.status == "answered"
    assert ticket.answered_by == f"telegram:{AGENT}"
    assert ticket.answered_at == clock.now
    assert ticket.answer.startswith("Adressez-vous")
    async with db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "ticket.answered")
        )
        assert (entry.actor, entry.target) == (f"telegram:{AGENT}", f"ticket:{ticket.id}")
        linked = await session.scalars(select(Message.text).where(Message.ticket_id == ticket.id))
        assert {QUESTION, "C'est pour mon fils, né en 2019."} <= set(linked)
        figures = await stats.summary(session)
    assert figures["tickets"] == {
        "open": 0,
        "answered": 1,
        "median_minutes": 180,
        "max_minutes": 180,
    }

    # Answered: the person's messages are questions to the bot again.
    assert "reste posée" not in await person.say("menu")
    assert len(await rows_to(db, f"telegram:{STAFF_GROUP}")) == 2


async def test_the_keyword_without_an_unanswered_question_asks_for_it(
    conversation: Conversation, db
) -> None:
    person = tg(conversation, "5550077")
    assert "Écrivez votre question pour un conseiller" in await person.say("CONSEILLER")
    assert await the_ticket(db) is None
    assert "transmise" in await person.say("Quels papiers pour un passeport biométrique ?")
    ticket = await the_ticket(db)
    assert ticket.question == "Quels papiers pour un passeport biométrique ?"
    (notice,) = await rows_to(db, f"telegram:{STAFF_GROUP}")
    assert "(telegram telegram:…077, langue fr)" in notice.text
    assert "5550077" not in notice.text


async def test_menu_leaves_but_the_ticket_stays_open(conversation: Conversation, db) -> None:
    person = sms_chat(conversation)
    await unanswered(person, db, QUESTION)
    await person.say("CONSEILLER")
    answer = await person.say("MENU")
    assert "reste posée" in answer and "Poser une question" in answer
    assert (await the_ticket(db)).status == "open"
    async with db.transaction() as session:
        assert await session.scalar(select(FlowState)) is None
    # Later words are ordinary again; asking for a counsellor again rejoins the open ticket.
    await person.say("bonjour")
    assert len(await rows_to(db, f"telegram:{STAFF_GROUP}")) == 1
    assert "toujours entre les mains" in await person.say("conseiller")
    async with db.transaction() as session:
        assert await session.scalar(select(Ticket.id).where(Ticket.id > 1)) is None


async def test_reply_command_answers_on_the_persons_telegram(
    conversation: Conversation, db
) -> None:
    person = tg(conversation, "77")
    await person.say("conseiller")
    await person.say("Où déclarer une naissance à Paris ?")
    admin = tg(conversation, ADMIN)
    assert "Où déclarer une naissance" in await admin.say("/tickets")
    assert "envoyée" in await admin.say("/reply 1 Au consulat général du Mali à Paris.")
    (to_person,) = await rows_to(db, "telegram:77")
    assert to_person.text.endswith("Au consulat général du Mali à Paris.")  # no transliteration
    assert "déjà reçu une réponse" in await admin.say("/reply 1 encore")
    assert len(await rows_to(db, "telegram:77")) == 1
    # The group is told who answered (no Telegram name in this chat: the user id).
    notice, answered = await rows_to(db, f"telegram:{STAFF_GROUP}")
    assert answered.text.startswith(f"Question n° 1 : réponse envoyée par telegram:{ADMIN}")
    assert "Aucune question en attente" in await admin.say("/tickets")
    assert "pas de question n° 9" in await admin.say("/reply 9 bonjour")


async def test_a_reply_in_private_tells_the_staff_group_who_answered(
    conversation: Conversation, db
) -> None:
    person = tg(conversation, "77")
    await person.say("conseiller")
    await person.say("Où déclarer une naissance à Paris ?")
    group = f"telegram:{STAFF_GROUP}"
    (notice,) = await rows_to(db, group)

    agent = tg(conversation, AGENT, name="Awa Traoré")
    assert "envoyée" in await agent.say("/reply 1 Au consulat général du Mali à Paris.")
    notice_again, answered = await rows_to(db, group)
    assert notice_again.id == notice.id
    assert (answered.kind, answered.source, answered.status) == ("ticket", "ticket:1", "queued")
    assert answered.text == (
        "Question n° 1 : réponse envoyée par Awa Traoré (/reply en privé). Question close."
    )

    # Another staff member, about to answer the notice in the group, is stopped in time; the
    # note itself, once sent, names the ticket too.
    async with db.transaction() as session:
        for row, provider_id in ((notice, "9001"), (answered, "9002")):
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row.id)
                .values(status="sent", provider_id=provider_id)
            )
    for reply_to in ("9001", "9002"):
        turn = await in_group(conversation, ADMIN, "Au consulat de Paris.", reply_to=reply_to)
        assert "déjà reçu une réponse" in said(turn)
    assert len(await rows_to(db, "telegram:77")) == 1
    assert len(await rows_to(db, group)) == 2  # a refused answer tells the group nothing


async def test_the_staff_group_is_never_an_audience(conversation: Conversation, db) -> None:
    person = tg(conversation, "77")
    await person.say("conseiller")
    await person.say("Une question")
    turn = await in_group(conversation, AGENT, "On en parle demain ?")  # staff among themselves
    assert turn.outgoing == []
    async with db.transaction() as session:
        group = await session.scalar(
            select(Contact).where(Contact.address == f"telegram:{STAFF_GROUP}")
        )
        assert group.staff_chat
        broadcast = await broadcasts.create(
            session, text_fr="Annonce", text_en=None, audience=Audience(),
            send_at=conversation.config.clock(), actor="cli:test", now=conversation.config.clock(),
        )  # fmt: skip
        await broadcasts.queue_due(session, conversation.config.clock())
        receivers = await session.scalars(
            select(OutboxItem.address).where(OutboxItem.broadcast_id == broadcast.id)
        )
        assert list(receivers) == ["telegram:77"]


async def test_strangers_in_the_staff_group_get_silence(conversation: Conversation, db) -> None:
    person = tg(conversation, "77")
    await person.say("conseiller")
    await person.say("Une question")
    for text, reply_to in (("/tickets", None), ("Voici la réponse", "9001"), ("/reply 1 x", None)):
        turn = await in_group(conversation, "31337", text, reply_to=reply_to)
        assert turn.outgoing == []
    assert (await the_ticket(db)).status == "open"
    assert await rows_to(db, "telegram:77") == []


async def test_staff_commands_work_in_the_group(conversation: Conversation, db) -> None:
    person = tg(conversation, "77")
    await person.say("conseiller")
    await person.say("Une question sur la carte NINA")
    assert "carte NINA" in said(await in_group(conversation, AGENT, "/tickets@DiasporaBot"))
    assert "envoyée" in said(await in_group(conversation, AGENT, "/reply 1 Voyez la mairie."))
    assert (await the_ticket(db)).status == "answered"


async def test_erasing_oneself_withdraws_undelivered_notices_of_ones_questions(
    conversation: Conversation, db
) -> None:
    person = sms_chat(conversation)
    await unanswered(person, db, QUESTION)
    await person.say("CONSEILLER")
    assert len(await rows_to(db, f"telegram:{STAFF_GROUP}")) == 1
    await person.say("SUPPRIMER")
    assert "effacées" in await person.say("OUI")
    assert await rows_to(db, f"telegram:{STAFF_GROUP}") == []


async def test_the_staff_group_is_not_counted_as_a_person(conversation: Conversation, db) -> None:
    person = sms_chat(conversation)
    await unanswered(person, db, QUESTION)
    await person.say("CONSEILLER")  # creates the staff group's contact row
    async with db.transaction() as session:
        figures = await stats.summary(session)
    assert figures["contacts"] == 1
    assert figures["contacts_by_channel"] == {"sms": 1}
