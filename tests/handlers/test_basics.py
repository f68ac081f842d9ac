"""The core conversation: menu, keywords, language, stop, flows and their precedence."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation import Conversation
from storage.models import Contact, FlowState, Message
from tests.chat import Chat


async def test_a_newcomer_is_welcomed_with_the_menu(chat: Chat) -> None:
    answer = await chat.say("bonjour")
    assert "Bienvenue" in answer
    assert "Poser une question" in answer
    assert "QUESTIONS" in chat.options


async def test_a_known_person_is_greeted_without_the_welcome(chat: Chat) -> None:
    await chat.say("bonjour")
    answer = await chat.say("salut")
    assert "Bienvenue" not in answer
    assert "Bonjour" in answer


async def test_a_number_chooses_from_the_last_options(chat: Chat) -> None:
    await chat.say("menu")
    position = chat.options.index("LANGUE") + 1
    answer = await chat.say(str(position))
    assert "Choisissez votre langue" in answer
    assert "English" in answer


async def test_a_number_without_options_is_just_text(chat: Chat) -> None:
    await chat.say("stop")  # a reply without options
    answer = await chat.say("7")
    assert "Choisissez votre langue" not in answer
    assert "ne correspond à aucun choix" in answer  # and the menu, to choose from (issue 13)


async def test_language_keyword_changes_every_later_reply(chat: Chat) -> None:
    assert "noted" in (await chat.say("LANGUE en")).lower()
    assert "Menu: choose" in await chat.say("menu")
    assert "répondrai en français" in await chat.say("francais")


async def test_telegram_language_code_sets_the_first_language(conversation: Conversation) -> None:
    chat = Chat(conversation, "telegram:42", "telegram", language_hint="en-GB")
    assert "Welcome" in await chat.say("/start")


async def test_an_unknown_language_lists_the_languages(chat: Chat) -> None:
    answer = await chat.say("langue klingon")
    assert "Je ne connais pas cette langue" in answer
    assert chat.options == ["LANGUE en", "LANGUE fr"]


async def test_telegram_commands_are_keywords(conversation: Conversation) -> None:
    chat = Chat(conversation, "telegram:7", "telegram")
    assert "Menu" in await chat.say("/menu@DiasporaBot")
    assert "Mots utiles" in await chat.say("/aide")


async def test_stop_then_start(chat: Chat, db) -> None:
    assert "plus d'annonces" in await chat.say("STOP")
    assert "déjà" in await chat.say("arrêt")
    async with db.transaction() as session:
        contact = await session.scalar(select(Contact))
        assert contact.opted_out
    assert "Content de vous revoir" in await chat.say("start")
    async with db.transaction() as session:
        assert not (await session.scalar(select(Contact))).opted_out


async def test_stop_inside_a_flow_stops_and_leaves_the_flow(chat: Chat, db) -> None:
    await chat.say("supprimer")  # a flow: it waits for a confirmation
    assert "plus d'annonces" in await chat.say("stop")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(FlowState)) == 0
        assert (await session.scalar(select(Contact))) is not None  # nothing was erased


async def test_cancel_leaves_a_flow_and_keeps_the_data(chat: Chat, db) -> None:
    await chat.say("supprimer")
    assert "annulé" in await chat.say("annuler")
    assert "Il n'y a rien en cours" in await chat.say("retour")
    # The flow is gone: a later "oui" erases nothing.
    await chat.say("oui")
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact))) is not None


async def test_menu_leaves_a_flow(chat: Chat, db) -> None:
    await chat.say("supprimer")
    await chat.say("menu")
    await chat.say("oui")
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact))) is not None


async def test_cancel_on_sms_is_an_opt_out_answered_by_twilio(
    conversation: Conversation, db
) -> None:
    chat = Chat(conversation, "tel:+22376123456", "sms", provider_answers_stop=True)
    await chat.say("supprimer")
    assert await chat.say("CANCEL") == ""  # Twilio sends its own opt-out reply
    async with db.transaction() as session:
        contact = await session.scalar(select(Contact))
        assert contact.opted_out


async def test_stop_and_start_through_a_local_sim_are_answered_by_the_bot(
    conversation: Conversation, db
) -> None:
    """An Android gateway's SIM or an SMPP short code answers nothing itself: without the bot's
    reply, a family that sent STOP would never know it worked, nor how to come back."""
    chat = Chat(conversation, "tel:+22376123456", "sms")
    await chat.say("bonjour")
    stopped = await chat.say("STOP")
    assert "plus d'annonces" in stopped
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact))).opted_out
    back = await chat.say("START")
    assert back != ""
    async with db.transaction() as session:
        assert not (await session.scalar(select(Contact))).opted_out


async def test_arret_on_sms_is_ours_to_answer(conversation: Conversation) -> None:
    chat = Chat(conversation, "tel:+22376123456", "sms")
    assert "plus d'annonces" in await chat.say("ARRÊT")


async def test_idle_flow_expires_and_says_so(chat: Chat, clock, db) -> None:
    await chat.say("supprimer")
    clock.advance(hours=25)
    answer = await chat.say("oui")
    assert "abandonnée" in answer
    async with db.transaction() as session:
        assert (
            await session.scalar(select(Contact))
        ) is not None  # the expired "oui" erased nothing


async def test_more_sends_what_did_not_fit(chat: Chat, db) -> None:
    await chat.say("menu")
    async with db.transaction() as session:
        (await session.scalar(select(Contact))).more_text = "La suite du texte."
    assert "La suite du texte." in await chat.say("PLUS")
    assert "pas de suite" in await chat.say("plus")


async def test_every_message_in_and_out_is_stored(chat: Chat, db) -> None:
    await chat.say("bonjour")
    await chat.say("menu")
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Message.direction, func.count()).group_by(Message.direction)
            )
        ).all()
    assert dict(rows) == {"in": 2, "out": 3}  # welcome + menu, then menu


async def test_a_newcomer_writing_english_is_answered_in_english(chat: Chat) -> None:
    answer = await chat.say("Hello, can I keep my Malian nationality if I become British?")
    assert "article 249" in answer
    assert "Mali allows dual nationality" in answer
    assert "Menu: choose" in await chat.say("menu")  # the language stuck


async def test_a_question_is_answered_in_its_own_language(chat: Chat) -> None:
    await chat.say("bonjour")  # a French speaker
    answer = await chat.say("can I have dual citizenship with Mali")
    assert "Mali allows dual nationality" in answer
    # Issue 13: the conversation follows what they write (its buttons, the next replies).
    assert "Menu: choose" in await chat.say("menu")
    assert "Menu : choisissez" in await chat.say("double nationalité, c'est possible ?") + (
        await chat.say("menu")
    )


async def test_an_unanswerable_question_offers_a_person(chat: Chat) -> None:
    answer = await chat.say("quel est le prix du ciment à Kayes")
    assert "conseiller" in answer.lower()
    assert "CONSEILLER" in chat.options


async def test_after_stop_a_yes_inside_a_flow_answers_the_flow(chat: Chat, db) -> None:
    await chat.say("stop")
    await chat.say("supprimer")
    assert "effacées" in await chat.say("oui")  # not "welcome back"
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_on_sms_a_yes_inside_a_flow_also_opts_back_in_as_twilio_does(
    conversation: Conversation, db
) -> None:
    chat = Chat(conversation, "tel:+22376123456", "sms")
    await chat.say("STOP")
    await chat.say("supprimer")
    assert "conservées" in await chat.say("non")  # the flow had the answer
    await chat.say("supprimer")
    await chat.say("YES")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_an_email_address_alone_is_a_message_like_any_other(chat: Chat) -> None:
    assert "no reliable answer" in await chat.say("awa@example.org")  # read as English


async def test_last_seen_is_kept_to_the_minute(chat: Chat, db, clock) -> None:  # noqa: ANN001
    """Quick turns of one conversation write "last seen" once; a later turn moves it on."""

    async def last_seen():  # noqa: ANN202
        async with db.transaction() as session:
            return await session.scalar(select(Contact.last_seen_at))

    await chat.say("bonjour")
    first = await last_seen()
    assert first == clock()
    clock.advance(seconds=30)
    await chat.say("menu")
    assert await last_seen() == first
    clock.advance(seconds=40)
    await chat.say("aide")
    assert await last_seen() == clock()
