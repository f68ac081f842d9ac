"""Issue 13, bullet 1: what people want to do, said in their own words, is done, on SMS and on
Telegram, in French and English, SMS spelling and typos included."""

from __future__ import annotations

import pytest

from bot.conversation import Conversation
from storage.db import Database
from tests.handlers.conversations import CHANNELS, contact, gap_count, person, tickets
from tests.handlers.forum_helpers import code_in, register, rows

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


@pytest.mark.parametrize(
    "words",
    [
        "jveu recevoir les messages sur la migration chaque semaine",  # the issue's
        "je veux m'abonner aux messages",  # the issue's
        "je veu m abonné au message",
    ],
)
async def test_wanting_the_weekly_messages_subscribes(
    conversation: Conversation, db: Database, channel: str, words: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say(words)
    assert "un message par semaine sur la migration" in answer
    assert "STOP pour" not in answer.split("\n")[0][:40]  # not the instructions to stop
    assert (await contact(db, chat)).subscribed
    assert await gap_count(db) == 0


async def test_wanting_the_weekly_messages_in_english(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("hello")
    answer = await chat.say("I want to get the weekly messages about migration")
    assert "one message a week" in answer.lower() or "weekly" in answer.lower()
    found = await contact(db, chat)
    assert found.subscribed
    assert found.language == "en"


async def test_not_wanting_messages_any_more_stops_them(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("je veux m'abonner aux messages")
    answer = await chat.say("je ne veux plus recevoir vos messages")
    assert "plus d'annonces" in answer
    found = await contact(db, chat)
    assert found.opted_out and not found.subscribed


async def test_cancelling_a_registration_lists_it_with_a_cancel_choice(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    code = code_in(await register(chat))
    answer = await chat.say("je veux annuler mon inscription au FIDIMA")  # the issue's
    assert code in answer
    assert f"ANNULER {code}" in chat.options
    answer = await chat.say(str(chat.options.index(f"ANNULER {code}") + 1))
    assert "annulée" in answer
    assert [r.status for r in await rows(db)] == ["cancelled"]


async def test_cancel_my_registration_in_english(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("LANGUE en")
    code = code_in(await register(chat))
    answer = await chat.say("i want to cancel my registration")
    assert code in answer
    assert f"ANNULER {code}" in chat.options


async def test_asking_for_a_human_opens_the_request_at_once(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bjr")
    answer = await chat.say("Je voudrais parler à un conseiller humain")  # the issue's
    assert "transmise à un conseiller" in answer
    assert "envoyez CONSEILLER" not in answer
    (ticket,) = await tickets(db)
    assert ticket.status == "open"
    # What they write next joins the request.
    assert "Ajouté à votre question" in await chat.say("c'est pour la carte consulaire")


async def test_asking_for_a_person_in_english(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel, language_hint="en")
    await chat.say("LANGUE en")
    answer = await chat.say("can I talk to a real person please")
    assert "passed to an advisor" in answer
    assert len(await tickets(db)) == 1


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("je veux voir mes inscriptions", "aucune inscription"),
        ("qu'est ce que vous savez sur moi", "Ce que nous gardons sur vous"),
        ("je veux effacer toutes mes données", "Répondez OUI pour confirmer"),
        ("j'ai besoin d'aide", "votre question avec vos mots"),
        ("montrez moi le menu", "Menu"),
        ("parlez moi en anglais", "I will answer you in English"),
        ("c koi ce numero", "service d'information du ministère"),
        # In other words than intents.yaml's phrasings: read by their action and object.
        ("montrez moi ce que vous savez sur moi", "Ce que nous gardons sur vous"),
        ("vous gardez quoi comme info sur moi", "Ce que nous gardons sur vous"),
        ("je préfère l'anglais", "I will answer you in English"),
        ("je retrouve plus mon code", "aucune inscription"),
        ("je sais pas quoi faire", "votre question avec vos mots"),
        ("jveu parlé a kelkun", "transmise à un conseiller"),
        ("supprimez mon compte svp", "Répondez OUI pour confirmer"),
    ],
)
async def test_what_people_mean_is_done(
    conversation: Conversation, db: Database, channel: str, words: str, expected: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say(words)
    assert expected.lower() in answer.lower()
    assert await gap_count(db) == 0


async def test_deleting_my_data_asks_then_erases(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    assert "OUI pour confirmer" in await chat.say("effacez mes données svp")
    assert "effacées" in await chat.say("OUI")


async def test_a_question_is_still_a_question(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("C'est quoi le FIDIMA ?")
    assert "FIDIMA" in answer
    assert "service d'information du ministère" not in answer


async def test_am_i_registered_lists_my_registrations_and_starts_none(
    conversation: Conversation, db: Database, channel: str
) -> None:
    """ "suis je bien inscrit au forum" asks about a registration, it does not start one."""
    chat = person(conversation, channel)
    code = code_in(await register(chat))
    answer = await chat.say("suis je bien inscrit au forum")
    assert f"FIDIMA : {code}, confirmée" in answer
    assert "déjà inscrit" not in answer
    assert len(await rows(db)) == 1


async def test_the_investment_code_is_a_question_not_my_registration_code(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("quel est le code des investissements")
    assert "2012-016" in answer and "aucune discrimination" in answer
    assert "inscription" not in answer.lower()


# Issue 13, bullet 1 (branch intents4): what people want to do, in words the phrasings of
# intents.yaml do not have, read from an action and its object (intents.yaml `cues`).


@pytest.mark.parametrize(
    "words",
    [
        "je voudrais annuler ma place au forum",
        "jpeu pa venir o forum, annulez moi",
        "je ne participerai pas au fidima finalement",
    ],
)
async def test_cancelling_in_other_words_lists_my_registrations_with_a_cancel_choice(
    conversation: Conversation, db: Database, channel: str, words: str
) -> None:
    chat = person(conversation, channel)
    code = code_in(await register(chat))
    answer = await chat.say(words)
    assert "choisissez celle à annuler" in answer
    assert code in answer
    assert f"ANNULER {code}" in chat.options
    assert "INSCRIPTION" not in chat.options  # never the way to register: the opposite
    answer = await chat.say(str(chat.options.index(f"ANNULER {code}") + 1))
    assert "annulée" in answer
    assert [r.status for r in await rows(db)] == ["cancelled"]
    assert await gap_count(db) == 0


async def test_cannot_come_in_english_lists_my_registrations_with_a_cancel_choice(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("LANGUE en")
    code = code_in(await register(chat))
    answer = await chat.say("sorry, i won't be able to come to the forum")
    assert "choose the one to cancel" in answer
    assert f"ANNULER {code}" in chat.options
    assert [r.status for r in await rows(db)] == ["confirmed"]  # nothing cancelled unasked


async def test_my_data_in_english_other_words(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel, language_hint="en")
    await chat.say("LANGUE en")
    answer = await chat.say("show me what you have about me")
    assert "What we keep about you" in answer


async def test_not_receiving_any_more_in_sms_spelling_stops_and_never_subscribes(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("je veux m'abonner aux messages")
    assert (await contact(db, chat)).subscribed
    answer = await chat.say("jveu pu recevoir vos msg")
    assert "plus d'annonces" in answer
    assert "un message par semaine" not in answer
    found = await contact(db, chat)
    assert found.opted_out and not found.subscribed


@pytest.mark.parametrize(
    ("question", "not_expected"),
    [
        # The words of an action about another thing: questions for the FAQ.
        ("comment annuler un transfert western union", "choisissez celle à annuler"),
        ("j'ai besoin d'aide pour créer une entreprise", "votre question avec vos mots"),
        ("je veux apprendre l anglais vite", "I will answer you in English"),
    ],
)
async def test_an_action_word_about_another_subject_is_a_question(
    conversation: Conversation, db: Database, channel: str, question: str, not_expected: str
) -> None:
    chat = person(conversation, channel)
    code = code_in(await register(chat))
    answer = await chat.say(question)
    assert not_expected.lower() not in answer.lower()
    assert f"ANNULER {code}" not in chat.options
    assert [r.status for r in await rows(db)] == ["confirmed"]


async def test_a_language_i_do_not_understand_is_not_the_one_chosen(
    conversation: Conversation, db: Database, channel: str
) -> None:
    """ "je ne comprends pas l'anglais" from a French person: the languages to choose from,
    never a switch to English."""
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("je ne comprends pas l'anglais")
    assert "I will answer you in English" not in answer
    assert "Choisissez votre langue" in answer
    assert (await contact(db, chat)).language == "fr"


@pytest.mark.parametrize(
    "message",
    [
        "Montréal",  # a city, typo-corrected to "montrez (moi le menu)"
        "le forum est annulé ?",
        "what is the menu at the forum dinner",
        "quelles langues parle-t-on au mali",
        "je veux m'abonner à canal plus",
    ],
)
async def test_intent_words_about_something_else_do_nothing(
    conversation: Conversation, db: Database, channel: str, message: str
) -> None:
    """Words of an action in a question about another thing, or one word that is not an
    action's: no menu, no language list, no subscription, no cancellation offered."""
    chat = person(conversation, channel)
    code = code_in(await register(chat))
    answer = await chat.say(message)
    assert "Menu" not in answer.split("\n")[0]
    assert "Choisissez votre langue" not in answer and "Choose your language" not in answer
    assert f"ANNULER {code}" not in chat.options
    assert not (await contact(db, chat)).subscribed
    assert [r.status for r in await rows(db)] == ["confirmed"]


async def test_terminating_the_subscription_stops_it_and_never_subscribes(
    conversation: Conversation, db: Database, channel: str
) -> None:
    """ "résilier" undoes: the weekly messages stop, whatever "mon abonnement" shares with
    "je veux m'abonner"."""
    chat = person(conversation, channel)
    await chat.say("je veux m'abonner aux messages")
    assert (await contact(db, chat)).subscribed
    answer = await chat.say("je veux résilier mon abonnement aux sms")
    assert "un message par semaine sur la migration" not in answer
    found = await contact(db, chat)
    assert not found.subscribed


async def test_messages_without_a_word_are_no_knowledge_gap(
    conversation: Conversation, db: Database, channel: str
) -> None:
    """What a terminal's colour code leaves ("[31m"), punctuation, digits: staff could not
    answer them; they topped `gaps` above real questions."""
    chat = person(conversation, channel)
    await chat.say("bonjour")
    for junk in ("\x1b[31m", "?!", "12 34"):
        assert await chat.say(junk)  # still a clear reply
    assert await gap_count(db) == 0
    await chat.say("qui peut voter aux elections du HCME")
    assert await gap_count(db) == 1  # a question still is one


@pytest.mark.parametrize(
    "words", ["je veux voir mes messages", "je veux revoir les anciens messages",
              "i want to see the messages"],
)  # fmt: skip
async def test_wanting_to_see_messages_never_subscribes(
    conversation: Conversation, db: Database, channel: str, words: str
) -> None:
    """Subscribing is the person's consent: "voir mes messages" subscribed them."""
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say(words)
    assert "un message par semaine" not in answer and "one message a week" not in answer
    assert not (await contact(db, chat)).subscribed


async def test_wanting_information_on_migration_is_a_question_not_a_subscription(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    await chat.say("je veux des informations sur la migration")
    assert not (await contact(db, chat)).subscribed


async def test_wanting_to_see_ones_messages_is_told_what_is_kept_not_how_to_stop(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("je veux voir mes messages")
    assert "MES DONNEES" in answer and "Envoyez STOP" not in answer


# Session 6 (intents6): sentences that did another action than the one asked for.
async def test_not_receiving_the_messages_is_a_problem_told_not_a_stop(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("je veux m'abonner aux messages")
    await chat.say("je ne reçois pas les messages")
    found = await contact(db, chat)
    assert found.subscribed and not found.opted_out


async def test_a_hyphen_in_an_undoing_word_still_unsubscribes(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("je veux m'abonner aux messages")
    answer = await chat.say("je veux me dé-sabonner")
    assert "plus d'annonces" in answer
    found = await contact(db, chat)
    assert found.opted_out and not found.subscribed


async def test_asking_whether_the_bot_is_a_robot_says_what_it_is_and_opens_no_request(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("tu es un robot ou un humain ?")
    assert "ministère" in answer
    assert await tickets(db) == []


async def test_speaking_a_language_with_someone_else_keeps_the_bots(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("LANGUE en")
    await chat.say("my son doesn't speak french")
    assert (await contact(db, chat)).language == "en"


async def test_looking_at_ones_messages_is_not_looking_at_ones_registrations(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("voir mes messages")
    assert "aucune inscription" not in answer
    assert not (await contact(db, chat)).subscribed


async def test_declining_the_weekly_messages_stops_nothing(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    await chat.say("non merci, je ne veux pas m'abonner")
    assert not (await contact(db, chat)).opted_out


# Session 6, second round (intents7): asking about one's state, or declining, acts on nothing.
async def test_asking_whether_one_is_subscribed_shows_it_and_never_subscribes(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("suis-je abonné ?")
    assert "pas abonné(e)" in answer  # the state, as MON ABONNEMENT says it
    assert not (await contact(db, chat)).subscribed
    await chat.say("je veux m'abonner aux messages")
    answer = await chat.say("je suis abonné ?")
    assert "abonné(e) aux messages sur la migration" in answer and "STOP" in answer
    assert (await contact(db, chat)).subscribed


async def test_declining_the_sms_offer_stops_nothing(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    await chat.say("bonjour")
    answer = await chat.say("je ne veux pas m'abonner aux sms")
    assert "plus d'annonces" not in answer
    found = await contact(db, chat)
    assert not found.opted_out and not found.subscribed


async def test_asking_whether_a_registration_or_the_data_is_gone_undoes_nothing(
    conversation: Conversation, db: Database, channel: str
) -> None:
    chat = person(conversation, channel)
    code = code_in(await register(chat))
    answer = await chat.say("mon inscription est annulée ?")
    assert code in answer and f"ANNULER {code}" not in chat.options
    answer = await chat.say("mes données ont été effacées ?")
    assert "Répondez OUI pour confirmer" not in answer
    assert [r.status for r in await rows(db)] == ["confirmed"]


async def test_changing_ones_number_never_asks_to_erase_everything(
    conversation: Conversation, db: Database, channel: str
) -> None:
    """An OUI to "effacer toutes vos données ?" after "changer mon numéro" would erase the
    person who only wanted to give a new number."""
    chat = person(conversation, channel)
    await register(chat)
    answer = await chat.say("changer mon numéro")
    assert "Répondez OUI pour confirmer" not in answer
    await chat.say("oui")
    assert [r.status for r in await rows(db)] == ["confirmed"]
