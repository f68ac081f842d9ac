"""Forum registration on the console: whole conversations, from the keyword to the code."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.conversation import Conversation
from knowledge.bundle import Knowledge
from storage.db import Database
from storage.models import Contact, FlowState
from tests.chat import Chat
from tests.handlers.forum_helpers import FIDIMA, WOMEN, code_in, register, rows, with_forum


async def test_happy_path_gives_a_code_and_keeps_name_and_country(chat: Chat, db) -> None:
    answer = await chat.say("INSCRIPTION")
    assert "Choisissez le forum" in answer
    assert chat.options == [
        "INSCRIPTION fidima",
        "INSCRIPTION women_forum",
        "INSCRIPTION diaspo_istm",
    ]
    answer = await chat.say("1")  # FIDIMA
    assert "Forum des investisseurs de la diaspora malienne (FIDIMA)" in answer
    assert "6 questions" in answer
    assert "badge" in answer  # the name prompt says why it is asked
    assert "pays résidez-vous" in await chat.say("Awa Traoré")
    assert "ville" in await chat.say("France")
    assert "e-mail" in await chat.say("Paris")
    answer = await chat.say("06 12 34 56 78")
    assert "secteur" in answer
    assert "sme_trade" in chat.options
    assert "PASSER" in await chat.say("2")
    summary = await chat.say("passer")
    for line in (
        "Nom : Awa Traoré",
        "Pays : France",
        "Ville : Paris",
        "Contact : +33612345678",  # read in the country of residence
        "Secteur : PME et commerce",
        "Organisation : non renseigné",
        "votre nom et votre pays seront aussi gardés",
    ):
        assert line in summary
    assert chat.options == ["OUI", "MODIFIER", "ANNULER"]
    done = await chat.say("oui")
    code = code_in(done)
    assert code.startswith("FID-")
    assert "du 15 mars 2027 au 16 mars 2027" in done  # the edition staff opened
    [registration] = await rows(db)
    assert registration.code == code
    assert registration.status == "confirmed"
    assert registration.answers == {
        "name": "Awa Traoré",
        "country": "FR",
        "city": "Paris",
        "contact": "+33612345678",
        "sector": "sme_trade",
        "organisation": None,
    }
    async with db.transaction() as session:
        contact = await session.scalar(select(Contact))
        assert (contact.name, contact.country) == ("Awa Traoré", "FR")
        assert await session.scalar(select(FlowState)) is None


async def test_in_english_with_an_email_and_a_gender(chat: Chat, db) -> None:
    await chat.say("LANGUE en")
    answer = await chat.say("REGISTER women_forum")
    assert "Forum of Women of the Malian Diaspora" in answer
    assert "BACK to stop" in answer
    for text in WOMEN[:4]:
        await chat.say(text)
    answer = await chat.say("SKIP")
    assert "Your gender (optional)" in answer
    summary = await chat.say("Woman")
    assert "Gender: Woman" in summary
    assert "Country: Côte d’Ivoire" in summary
    assert "Contact: aissata@example.org" in summary
    assert "Done: you are registered for Women's forum" in await chat.say("yes")
    [registration] = await rows(db)
    assert registration.answers["gender"] == "woman"
    assert registration.code.startswith("FEM-")


@pytest.mark.parametrize(
    ("step", "bad", "error"),
    [
        (0, "123", "Ce nom ne semble pas valable"),
        (0, "a", "Ce nom ne semble pas valable"),
        (0, "c'est quand le forum ?", "ressemble à une question"),  # not a name: no sure answer
        (0, "aaaa", "Ce nom ne semble pas valable"),
        (0, "x" * 101, "Ce nom ne semble pas valable"),
        (0, "passer", "nécessaire pour vous inscrire"),
        (1, "Atlantide", "Je ne reconnais pas ce pays"),
        (1, "oui", "Je ne reconnais pas ce pays"),
        (2, "x", "Réponse trop courte"),
        (2, "12345", "Réponse trop courte"),
        (3, "demain", "ni un numéro ni un e-mail"),
        (3, "12", "ni un numéro ni un e-mail"),
        (3, "76 12 34 56", "Hors de France"),  # a Malian number without +223, from France
        (3, "awa@", "Cet e-mail semble mal écrit"),
        (3, "awa@exemple", "Cet e-mail semble mal écrit"),
        (3, "awa traore@exemple.org", "Cet e-mail semble mal écrit"),
        (4, "99", "Choisissez dans la liste"),
        (4, "banane", "Choisissez dans la liste"),
    ],
)
async def test_every_validation_error_asks_again(
    chat: Chat, db, step: int, bad: str, error: str
) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA[:step]:
        await chat.say(answer)
    assert error in await chat.say(bad)
    # The question is still open: the right answer moves on, and the registration completes.
    for answer in FIDIMA[step:]:
        await chat.say(answer)
    code_in(await chat.say("OUI"))
    [registration] = await rows(db)
    assert registration.answers["name"] == "Awa Traoré"


async def test_a_wrong_choice_shows_the_choices_again(chat: Chat) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA[:4]:
        await chat.say(answer)
    await chat.say("banane")
    assert "finance" in chat.options
    assert "organisation" in await chat.say("finance")  # a choice's word
    assert "Secteur : Finance, banque, microfinance" in await chat.say("PASSER")


async def test_choices_by_word_or_number_in_either_language(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION women_forum")
    for answer in WOMEN[:5]:
        await chat.say(answer)
    assert "Genre : Homme" in await chat.say("man")
    await chat.say("OUI")
    [registration] = await rows(db)
    assert registration.answers["gender"] == "man"


@pytest.mark.parametrize("word", ["ANNULER", "retour", "BACK", "menu"])
async def test_leaving_at_any_step_saves_nothing(chat: Chat, db, word: str) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA[:3]:
        await chat.say(answer)
    await chat.say(word)
    assert "INSCRIPTION" in chat.options  # back at the menu
    # What follows is not taken as an answer.
    answer = await chat.say("06 12 34 56 78")
    assert "e-mail" not in answer
    assert "pas de réponse sûre" in answer  # an ordinary message now
    assert await rows(db) == []
    async with db.transaction() as session:
        assert (await session.scalar(select(Contact))).name is None


@pytest.mark.parametrize(
    "sentence", ["je veux annuler ma place au forum", "finalement je veux annuler mon inscription"]
)
async def test_saying_you_want_out_is_no_answer_to_the_question(
    chat: Chat, db, sentence: str
) -> None:
    """Asked for a city, "je veux annuler ma place au forum" was kept as the city."""
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA[:2]:
        await chat.say(answer)
    said = await chat.say(sentence)
    assert "Rien n'a été enregistré" in said and "INSCRIPTION" in chat.options
    assert await rows(db) == []


async def test_asking_for_a_person_in_the_middle_leaves_the_questions(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION fidima")
    await chat.say(FIDIMA[0])
    said = await chat.say("je voudrais parler à un conseiller")
    assert "conseiller" in said and "pays" not in said.lower()
    async with db.transaction() as session:
        assert await session.scalar(select(FlowState)) is None or "registration" not in (
            (await session.scalar(select(FlowState))).flow
        )
    assert await rows(db) == []


async def test_a_question_in_place_of_the_city_is_answered_then_the_city_asked_again(
    chat: Chat, db
) -> None:
    """Asked for a city, "c quand le fidima" was kept as the city."""
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA[:2]:
        await chat.say(answer)
    said = await chat.say("c quand le fidima")
    assert "du 15 mars 2027 au 16 mars 2027" in said  # the open edition, from the FAQ's answer
    assert "Pour continuer l'inscription : Dans quelle ville" in said
    said = await chat.say("et c'est quoi le code des investissements ?")
    assert "Code des investissements" in said and "Dans quelle ville" in said
    assert "e-mail" in await chat.say("Paris")  # the form went on from where it was
    for answer in FIDIMA[3:]:
        await chat.say(answer)
    await chat.say("oui")
    [registration] = await rows(db)
    assert registration.answers["city"] == "Paris"


async def test_a_question_without_a_sure_answer_is_no_answer_either(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION fidima")
    await chat.say(FIDIMA[0])
    said = await chat.say("quelle heure est il à Bamako")
    assert "ressemble à une question" in said and "Dans quel pays" in said
    assert "ANNULER" in said
    assert "ville" in (await chat.say("France")).lower()  # an answer is still an answer


async def test_someone_in_danger_leaves_the_form_for_an_urgent_request(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION fidima")
    await chat.say(FIDIMA[0])
    said = await chat.say("mon frère est bloqué en Libye, que faire ?")
    assert "urgent" in said and "pays résidez-vous" not in said
    assert await rows(db) == []


async def test_help_in_the_middle_keeps_the_question_waiting(chat: Chat, db) -> None:
    """AIDE showed the menu under the registration's question: "3" then took the menu's third
    line (the weekly messages), and a later "deux" was kept as the person's name."""
    await chat.say("INSCRIPTION fidima")
    said = await chat.say("AIDE")
    assert "attend toujours votre réponse" in said and "ANNULER" in said
    assert "Messages sur la migration" not in said and chat.options == []
    assert "Ce nom ne semble pas valable" in await chat.say("3")
    assert "pays résidez-vous" in await chat.say("Awa Traoré")


async def test_no_at_the_summary_abandons(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await chat.say(answer)
    assert "Rien n'a été enregistré" in await chat.say("non")
    assert await rows(db) == []


async def test_anything_else_at_the_summary_asks_again(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await chat.say(answer)
    assert "Répondez OUI pour confirmer" in await chat.say("peut-être")
    code_in(await chat.say("1"))  # the options came again: 1 is Confirmer


async def test_an_idle_registration_expires_and_says_so(chat: Chat, clock, db) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await chat.say(answer)
    clock.advance(hours=25)
    answer = await chat.say("oui")
    assert "abandonnée" in answer
    assert await rows(db) == []


async def test_resumes_after_a_restart(
    db_url: str, db: Database, knowledge: Knowledge, config
) -> None:
    chat = Chat(Conversation(db, knowledge, config))
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA[:3]:
        await chat.say(answer)
    await db.dispose()
    # A new process: a new engine on the same database, the same person writing.
    restarted = Database(db_url)
    try:
        chat = Chat(Conversation(restarted, knowledge, config))
        assert "secteur" in await chat.say(FIDIMA[3])
        for answer in FIDIMA[4:]:
            await chat.say(answer)
        code_in(await chat.say("OUI"))
        assert len(await rows(restarted)) == 1
    finally:
        await restarted.dispose()


async def test_a_second_registration_shows_the_existing_code(chat: Chat, db) -> None:
    code = code_in(await register(chat))
    answer = await chat.say("INSCRIPTION fidima")
    assert "déjà inscrit" in answer
    assert code in answer
    assert len(await rows(db)) == 1


async def test_prefilled_name_and_country_are_kept_with_oui(chat: Chat, db) -> None:
    await register(chat)
    assert "Actuel : Awa Traoré" in await chat.say("INSCRIPTION diaspo_istm")
    assert "Actuel : France" in await chat.say("oui")
    await chat.say("OUI")
    for answer in ("Lyon", "awa@example.org", "PASSER"):
        await chat.say(answer)
    summary = await chat.say("technology")
    assert "Nom : Awa Traoré" in summary
    assert "Pays : France" in summary
    code_in(await chat.say("OUI"))
    assert {r.forum_id for r in await rows(db)} == {"fidima", "diaspo_istm"}


async def test_modify_goes_through_the_questions_again(chat: Chat, db) -> None:
    await chat.say("INSCRIPTION fidima")
    for answer in FIDIMA:
        await chat.say(answer)
    answer = await chat.say("MODIFIER")
    assert "Actuel : Awa Traoré" in answer
    await chat.say("oui")  # keep the name
    await chat.say("oui")  # keep the country
    await chat.say("Marseille")  # a new city
    await chat.say("oui")
    await chat.say("oui")
    summary = await chat.say("PASSER")
    assert "Ville : Marseille" in summary
    assert "Nom : Awa Traoré" in summary
    code_in(await chat.say("OUI"))
    [registration] = await rows(db)
    assert registration.answers["city"] == "Marseille"


async def test_my_registrations_lists_codes_and_status(chat: Chat) -> None:
    assert "aucune inscription" in await chat.say("MES INSCRIPTIONS")
    first = code_in(await register(chat))
    second = code_in(await register(chat, "women_forum", ["oui", "oui", *WOMEN[2:]]))
    answer = await chat.say("mes inscriptions")
    assert f"FIDIMA : {first}, confirmée" in answer
    assert f"Forum des femmes : {second}, confirmée" in answer


async def test_cancel_by_code(chat: Chat, db) -> None:
    code = code_in(await register(chat))
    answer = await chat.say(f"annuler {code.lower().replace('-', ' ')}")
    assert f"{code} au FIDIMA est annulée" in answer
    [registration] = await rows(db)
    assert registration.status == "cancelled"
    assert "déjà annulée" in await chat.say(f"ANNULER {code}")
    assert "aucune inscription" in await chat.say("MES INSCRIPTIONS")
    # A cancelled registration does not block a new one.
    assert code_in(await chat.say("INSCRIPTION fidima") + await _finish(chat)) != code


async def _finish(chat: Chat) -> str:
    for answer in ("oui", "oui", "Paris", "06 12 34 56 78", "2", "PASSER"):
        await chat.say(answer)
    return await chat.say("OUI")


async def test_someone_elses_code_is_refused(conversation: Conversation, db) -> None:
    awa = Chat(conversation, "console:awa")
    code = code_in(await register(awa))
    moussa = Chat(conversation, "console:moussa")
    answer = await moussa.say(f"ANNULER {code}")
    assert "Je ne trouve aucune inscription à votre nom" in answer
    [registration] = await rows(db)
    assert registration.status == "confirmed"


async def test_annuler_without_a_code_is_not_a_cancellation(chat: Chat, db) -> None:
    await register(chat)
    answer = await chat.say("annuler mon inscription")
    assert "est annulée" not in answer
    assert "Je ne trouve aucune" not in answer
    assert "Annuler FIDIMA" in answer  # the person's registrations, each to cancel (issue 13)
    [registration] = await rows(db)
    assert registration.status == "confirmed"


async def test_a_forum_without_an_open_edition_states_no_date(db, config) -> None:
    chat = Chat(Conversation(db, Knowledge.load(), config))  # as shipped: no edition open
    said = await chat.say("INSCRIPTION fidima")
    assert "PREVENIR fidima" in said
    assert "2027" not in said and "mars" not in said and "Votre nom" not in said


async def test_the_open_editions_dates_are_stated(chat: Chat) -> None:
    assert "Dates : du 15 mars 2027 au 16 mars 2027" in await chat.say("INSCRIPTION fidima")
    assert "du 15 mars 2027 au 16 mars 2027" in await register(chat)


async def test_only_open_forums_are_offered(db, config, knowledge: Knowledge) -> None:
    closed = with_forum(knowledge, "women_forum", registration_closes=date(2026, 11, 1))
    chat = Chat(Conversation(db, closed, config))
    await chat.say("INSCRIPTION")
    assert chat.options == ["INSCRIPTION fidima", "INSCRIPTION diaspo_istm"]
    assert "ne sont pas ouvertes" in await chat.say("INSCRIPTION women_forum")


async def test_when_no_forum_is_open(db, config, knowledge: Knowledge) -> None:
    later = date(2027, 1, 1)
    for forum in ("fidima", "women_forum", "diaspo_istm"):
        knowledge = with_forum(knowledge, forum, registration_opens=later)
    chat = Chat(Conversation(db, knowledge, config))
    assert "Aucun forum n'est ouvert" in await chat.say("INSCRIPTION")


async def test_a_forum_is_chosen_by_name_too(chat: Chat) -> None:
    await chat.say("INSCRIPTION")
    assert "Forum des femmes de la diaspora malienne" in await chat.say("femmes")


async def test_an_unknown_forum_name_shows_the_list_again(chat: Chat) -> None:
    await chat.say("INSCRIPTION")
    assert "Je ne connais pas ce forum" in await chat.say("le grand forum")
    assert "INSCRIPTION fidima" in chat.options


async def test_the_menu_offers_registration(chat: Chat) -> None:
    await chat.say("menu")
    position = chat.options.index("INSCRIPTION") + 1
    assert "Choisissez le forum" in await chat.say(str(position))


async def test_telegram_deep_link_starts_the_forum(conversation: Conversation) -> None:
    chat = Chat(conversation, "telegram:4242", "telegram", language_hint="fr")
    assert "Forum des investisseurs" in await chat.say("/start fidima")


async def test_an_faq_answer_about_a_forum_offers_its_registration(chat: Chat) -> None:
    assert "FIDIMA" in await chat.say("C'est quoi le FIDIMA ?")
    assert "INSCRIPTION fidima" in chat.options
    position = chat.options.index("INSCRIPTION fidima") + 1
    answer = await chat.say(str(position))
    assert "Forum des investisseurs" in answer
    assert "Votre nom complet" in answer


@pytest.mark.parametrize(
    ("question", "then", "said"),
    [
        ("C'est quoi le FIDIMA ?", "c quand le prochain", "Inscriptions ouvertes"),
        ("what is the FIDIMA", "when is the next one?", "Registration is open"),
    ],
)
async def test_when_is_the_next_one_after_a_forums_answer_gets_its_dates(
    chat: Chat, question: str, then: str, said: str
) -> None:
    """It got "nothing more precise than my previous answer", the dates one answer up."""
    await chat.say(question)
    answer = await chat.say(then)
    assert said in answer and "2027" in answer
    assert "INSCRIPTION fidima" in chat.options and "CONSEILLER" in chat.options


async def test_asking_to_cancel_without_a_registration_says_there_is_none(chat: Chat) -> None:
    # Issue 13: the wish to cancel is done, not explained (tests/handlers/test_intents.py lists
    # the registrations of a person who has some).
    answer = await chat.say("Puis-je annuler mon inscription à un forum ?")
    assert "aucune inscription" in answer


async def test_register_a_business_is_a_question_not_a_registration(chat: Chat) -> None:
    answer = await chat.say("register my business in mali")
    assert "Choose the forum" not in answer
    assert "Choisissez le forum" not in answer
    assert "API-Mali" in answer  # the investment agency's answer


async def test_on_telegram_buttons_send_their_values(conversation: Conversation, db) -> None:
    chat = Chat(conversation, "telegram:777", "telegram", language_hint="fr")
    await chat.say("/start")
    await chat.say("INSCRIPTION")
    await chat.say(chat.options[2])  # the DIASPO-ISTM button
    for answer in ("Oumar Diarra", "Canada", "Montréal", "oumar@example.ca"):
        await chat.say(answer)
    await chat.say("Université de Montréal")
    await chat.say("education_research")  # a sector button
    assert chat.options == ["OUI", "MODIFIER", "ANNULER"]
    done = await chat.say(chat.options[0])
    assert code_in(done).startswith("IST-")
    [registration] = await rows(db)
    assert registration.answers["country"] == "CA"
    assert registration.answers["organisation"] == "Université de Montréal"
