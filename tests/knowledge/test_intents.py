"""knowledge/intents.py on its own phrasings, on a held-out set written apart from them, and on
the FAQ's question sets (a question about the FAQ's subjects must never be read as an intent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.bundle import Knowledge
from knowledge.faq_evaluation import evaluate_intents, load_cases
from knowledge.intents import SMALL_TALK, IntentIndex, is_emoji_only
from knowledge.text import fold
from knowledge.typos import TypoCorrector

HERE = Path(__file__).parent
HELDOUT = HERE / "intents_heldout.yaml"
# Issue 13, branch intents4: a development set written before the cues (tuned on), a check set
# written after a first tuning, and a blind set measured once (docs/benchmarks.md, "Intents").
DEV = HERE / "intents_dev4.yaml"
CHECK = HERE / "intents_check4.yaml"
BLIND = HERE / "intents_blind4.yaml"
# Phrasings between two intents ("je veux voir mes données avant de les supprimer"): tuned on
# so that none is read as the wrong action; most are left to the FAQ.
CONFUSABLE = HERE / "intents_confusable4.yaml"
FAQ_SETS = (HERE / "faq_eval.yaml", HERE / "faq_heldout.yaml")
# Session 5, branch intents5: messages that use an intent's words but ask about something else
# (a menu that is food, a country's languages, an event cancelled, a city, a name), and real
# intents phrased unusually; written before the rules they measure (intents.py `_not_a_request`).
PRECISION = HERE / "intents_precision5.yaml"
# Written after those rules, measured once (0.96 right, 0 wrong, 0.925 rejected), never tuned on.
BLIND5 = HERE / "intents_blind5.yaml"


@pytest.fixture(scope="module")
def intents(knowledge: Knowledge) -> IntentIndex:
    assert knowledge.intents is not None
    return knowledge.intents


def read_as(intents: IntentIndex, message: str) -> str | None:
    """The intent a message is read as, or None (left to the FAQ)."""
    found = intents.match(message)
    return found.intent if found else None


def test_every_phrasing_reads_as_its_own_intent(intents: IntentIndex) -> None:
    wrong = [
        (phrase, name, found.intent if found else None)
        for name, by_lang in intents.phrasings.items()
        for phrases in by_lang.values()
        for phrase in phrases
        if (found := intents.match(phrase)) is None or found.intent != name
    ]
    assert wrong == []


def test_the_held_out_set_was_written_apart(intents: IntentIndex) -> None:
    cases = load_cases(HELDOUT)
    mine = {
        fold(p) for by_lang in intents.phrasings.values() for ps in by_lang.values() for p in ps
    }
    copied = [c["q"] for c in cases["intents"] if fold(c["q"]) in mine]
    # Greetings and thanks are set formulas ("merci", "i ni sogoma"), the same whoever writes
    # them; every other phrasing was written apart.
    small_talk = {c["q"] for c in cases["intents"] if c["intent"] in SMALL_TALK}
    assert [q for q in copied if q not in small_talk] == []
    assert len(cases["intents"]) >= 100 and len(cases["none"]) >= 40


def test_held_out_phrasings(intents: IntentIndex) -> None:
    report = evaluate_intents(intents, load_cases(HELDOUT))
    figures = report.figures()
    assert figures["intent wrong"] <= 0.01, report.errors  # never the wrong action
    assert figures["non-intents rejected"] >= 0.95, report.errors
    assert figures["intent right"] >= 0.80, report.errors


def test_faq_questions_are_not_intents(intents: IntentIndex) -> None:
    """Only the questions about the bot itself (bot_* entries: how to stop, my data...) may be
    read as the action they ask about; and greetings, thanks, "ok" as small talk."""
    read = []
    for path in FAQ_SETS:
        cases = load_cases(path)
        for case in cases["in_scope"] + cases["out_of_scope"]:
            found = intents.match(case["q"])
            if found is None or str(case.get("id", "")).startswith("bot_"):
                continue
            if found.intent in ("greeting", "thanks", "ok", "laugh", "bye", "emoji") and (
                "id" not in case
            ):
                continue
            read.append((case["q"], case.get("id"), found.intent))
    assert read == []


@pytest.mark.parametrize(
    "path", [DEV, CHECK, BLIND, CONFUSABLE, PRECISION, BLIND5], ids=lambda p: p.stem
)
def test_the_intents4_sets_were_written_apart(intents: IntentIndex, path: Path) -> None:
    cases = load_cases(path)
    mine = {
        fold(p) for by_lang in intents.phrasings.values() for ps in by_lang.values() for p in ps
    }
    assert [c["q"] for c in cases["intents"] if fold(c["q"]) in mine] == []
    assert {c["intent"] for c in cases["intents"]} <= set(intents.names)


@pytest.mark.parametrize(
    ("path", "right", "rejected"),
    # The blind set was measured once (0.81 right, 0.95 rejected); the abstentions added after
    # (clauses that disagree) cost it one phrasing. A floor, never a target.
    [(DEV, 0.95, 0.95), (CHECK, 0.95, 0.80), (BLIND, 0.75, 0.95), (CONFUSABLE, 0.30, 0.80)],
    ids=lambda v: v.stem if isinstance(v, Path) else str(v),
)
def test_phrasings_unlike_the_listed_ones(
    intents: IntentIndex, path: Path, right: float, rejected: float
) -> None:
    """ "je voudrais annuler ma place au forum", "montrez moi ce que vous savez sur moi": read
    from an action and its object (intents.yaml `cues`), never as another action."""
    report = evaluate_intents(intents, load_cases(path))
    figures = report.figures()
    assert figures["intent wrong"] == 0.0, report.errors
    assert figures["intent right"] >= right, report.errors
    assert figures["non-intents rejected"] >= rejected, report.errors


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("je veux recevoir vos sms chaque semaine", "subscribe"),
        ("jveu pu recevoir vos sms", "unsubscribe"),
        ("i don't want your weekly texts", "unsubscribe"),
        ("cancel my subscription to the weekly messages", "unsubscribe"),
        ("je veux participer au fidima", "register"),
        ("je ne pourrai pas participer au fidima", "cancel_registration"),
        ("i won't attend the forum", "cancel_registration"),
        ("montrez moi mes données", "my_data"),
        ("effacez mes données", "delete_data"),
    ],
)
def test_a_negation_or_an_undoing_word_turns_an_intent_into_its_opposite(
    intents: IntentIndex, words: str, intent: str
) -> None:
    found = intents.match(words)
    assert found is not None and found.intent == intent


@pytest.mark.parametrize(
    "question",
    [
        "comment annuler un transfert western union",
        "je veux changer de nationalité",
        "j'ai besoin d'aide pour créer une entreprise",
        "je veux apprendre l'anglais",
        "mon code pin ne marche pas",
        "il n'y a pas de forum pour les femmes ?",
    ],
)
def test_an_action_word_about_another_thing_is_a_question(
    intents: IntentIndex, question: str
) -> None:
    assert intents.match(question) is None


def test_a_cue_set_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "intents.yaml"
    path.write_text(
        "intents:\n  menu:\n    fr: [le menu]\n"
        "cues:\n  menu:\n    fr:\n      - what: [$nowhere]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="nowhere"):
        IntentIndex.load(path)


@pytest.mark.parametrize(
    "words",
    [
        "je ne veux pas me désabonner",
        "i don't want to unsubscribe",
        "je n'ai pas besoin d'aide",
        "je ne veux pas parler à un conseiller",
        "i don't want to talk to a human",
        "je ne veux pas supprimer mes données",
        "je ne veux pas annuler mon inscription",
        # two clauses, two actions: asked, not guessed
        "je ne reçois pas les messages, abonnez moi",
        "je suis abonné mais je ne veux plus",
        "je ne suis pas inscrit, je veux m'inscrire au fidima",
        "je veux voir mes données avant de les supprimer",
    ],
)
def test_a_refusal_or_two_actions_is_never_read_as_an_action(
    intents: IntentIndex, words: str
) -> None:
    assert intents.match(words) is None


def test_a_language_said_with_a_not_is_flagged(intents: IntentIndex) -> None:
    """handlers/intents.change_language then offers the list, never the language refused."""
    found = intents.match("je ne comprends pas l'anglais")
    assert found is not None and found.intent == "language" and found.negated
    found = intents.match("je préfère l'anglais")
    assert found is not None and found.intent == "language" and not found.negated


def test_words_of_an_intent_about_another_thing_are_not_an_action(intents: IntentIndex) -> None:
    """The precision set of session 5: no message about something else is read as an action,
    and its unusual phrasings of real intents are read as no other action."""
    cases = load_cases(PRECISION)
    assert len(cases["none"]) >= 100 and len(cases["intents"]) >= 60
    report = evaluate_intents(intents, cases)
    figures = report.figures()
    assert figures["intent wrong"] == 0.0, report.errors
    assert figures["non-intents rejected"] == 1.0, report.errors
    assert figures["intent right"] >= 0.90, report.errors


@pytest.mark.parametrize(
    "message",
    [
        # one word that is not an intent's: an answer, a city, a name
        "Montréal",
        "Abou",
        "Université de Bamako",
        # a question about a thing, no word of the person
        "le forum est annulé ?",
        "les inscriptions au forum sont fermées ?",
        "what is the menu at the forum dinner",
        "quel est le menu du dîner",
        "quelles langues parle-t-on au mali",
        "is the forum in french or english",
        # an action on another thing, named after it
        "je veux m'abonner à canal plus",
        "i want to subscribe to netflix",
        "abonnement bus",  # a bus pass: it subscribed the person to the weekly messages
        "comment s'appelle le ministre",
        "what is the name of the minister",
    ],
)
def test_a_question_about_something_else_is_not_an_action(
    intents: IntentIndex, message: str
) -> None:
    assert intents.match(message) is None


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("menu", "menu"),
        ("menuu", "menu"),
        ("humain", "human"),
        ("anglais", "language"),
        ("abonnement", "subscribe"),
        ("le forum est annulé, annulez mon inscription", "cancel_registration"),
        ("quel est mon code d'inscription", "my_registrations"),
        ("je veux m'abonner à vos messages", "subscribe"),
        ("subscribe me to the weekly texts", "subscribe"),
    ],
)
def test_a_word_that_says_the_intent_alone_or_a_request_of_the_person_is_read(
    intents: IntentIndex, message: str, intent: str
) -> None:
    found = intents.match(message)
    assert found is not None and found.intent == intent


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # an undoing word the phrasings' overlap used to miss: never the thing undone
        ("résilier mon abonnement aux sms", "unsubscribe"),
        ("resilier abonnement", "unsubscribe"),
        ("désactiver les messages", "unsubscribe"),
        # the messages' undoing word with the forum's object: which one? asked, not guessed
        ("unsubscribe me from the forum", None),
        ("je veux me désabonner du forum", None),
        # the list is the messages' unless a forum is named
        ("retirez moi de la liste", "unsubscribe"),
        ("remove me from your mailing list", "unsubscribe"),
        ("enlevez mon nom de la liste du fidima", "cancel_registration"),
        # keeping the messages is not a question about the data kept
        ("keep sending me the texts", None),
        ("continuez de m'envoyer les messages, gardez moi sur la liste", None),
    ],
)
def test_an_undoing_word_is_never_read_as_the_thing_undone(
    intents: IntentIndex, message: str, intent: str | None
) -> None:
    assert read_as(intents, message) == intent


# Session 6 (intents6): misreadings found by using the bot. Each was an action the person did
# not ask for, or its opposite.
@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # looking at one's messages is neither a registration nor a subscription
        ("voir mes messages", None),
        ("show my messages", None),
        ("je veux voir mes messages", None),
        # a hyphen inside an undoing word does not undo the undoing
        ("dé-sabonner", "unsubscribe"),
        ("je veux me de-sabonner", "unsubscribe"),
        ("un-subscribe me", "unsubscribe"),
        # a question about what the bot is, not a request for a person
        ("tu es un robot ou un humain", "about"),
        ("are you a bot or a human", "about"),
        ("vous êtes un robot ?", "about"),
        # a language spoken with someone else is not the bot's language
        ("je veux parler anglais avec mon fils", None),
        ("my son doesn't speak french", None),
        # one word read as two groups of a cue: "not" + "message" is not "no more messages"
        ("je ne comprends pas ce message", None),
        ("i don't understand your message", None),
        ("je ne sais pas quoi vous écrire", "help"),
        # a "not" of receiving, seeing or being is a problem told: STOP would be its opposite
        ("je ne reçois pas les messages", None),
        ("i don't receive the messages", None),
        ("i never get your texts", None),
        ("je ne trouve pas le message", None),
        ("les messages n'arrivent pas", None),
        ("i'm not subscribed", None),
        # ... while a wish to stop is still one
        ("ne m'écrivez plus", "unsubscribe"),
        ("je veux plus de vos sms", "unsubscribe"),
        ("don't text me anymore", "unsubscribe"),
        # an undoing word typed with one n undoes too; a registration is not looked at
        ("anule mon inscription", "cancel_registration"),
        # a registration asked about in the past is one made, not one to make
        ("did i sign up for the fidima", "my_registrations"),
        # the number taken off the messages' list is unsubscribing, not deleting the data
        ("enlevez mon numéro de la liste de diffusion", "unsubscribe"),
        ("retirez mon numéro de votre liste", "delete_data"),
        # a forum's name is the forum, not an FAQ subject
        ("inscrivez moi au forum des femmes", "register"),
        ("i want to register for the women's forum", "register"),
        # "vouloir dire" is meaning, not wanting
        ("que veut dire fidima", None),
        ("istm ça veut dire quoi", None),
        # a thing of another intent, read from the phrasings alone: not "who is this"
        ("who is the fidima organiser", None),
    ],
)
def test_words_that_looked_like_another_action(
    intents: IntentIndex, message: str, intent: str | None
) -> None:
    assert read_as(intents, message) == intent


@pytest.mark.parametrize(
    ("typed", "vocabulary", "read"),
    [
        # an undoing prefix dropped or added is the opposite word, never a typo of it
        ("desabonnement", {"abonnement", "abonner"}, "desabonnement"),
        ("desabonement", {"abonnement", "desabonnement"}, "desabonnement"),
        ("desabonement", {"abonnement"}, "desabonement"),
        ("unsubscibe", {"subscribe"}, "unsubscibe"),
        ("abonement", {"abonnement", "desabonnement"}, "abonnement"),
        ("sabonner", {"desabonner"}, "sabonner"),
        # other typos are still read
        ("abonement", {"abonnement"}, "abonnement"),
        ("demnder", {"demander"}, "demander"),
    ],
)
def test_the_typo_corrector_never_flips_an_undoing_word(
    typed: str, vocabulary: set[str], read: str
) -> None:
    assert TypoCorrector(vocabulary).correct(typed) == read


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("👍", True),
        ("🙏🙏", True),
        (":)", True),
        ("❤️", True),
        ("👨‍👩‍👧", True),
        ("\uffff", False),  # a non-character
        ("\ufdd0", False),
        ("\ue000", False),  # private use
        ("\U000f0000", False),
        ("\u200d", False),  # a joiner alone
        ("👍\uffff", False),
    ],
)
def test_only_symbols_are_an_emoji_message(text: str, emoji: bool) -> None:
    assert is_emoji_only(text) == emoji


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # the series sent to the person is subscribing; another thing sent is not
        ("send me your texts please", "subscribe"),
        ("i want your awareness texts", "subscribe"),
        ("envoyez-moi un sms quand les inscriptions ouvrent", None),
        ("keep sending me the texts", None),
        # another language, named or not
        ("switch to another language", "language"),
        ("je veux une autre langue", "language"),
        # a stop said alone, with politeness
        ("arrêtez svp", "unsubscribe"),
        ("stop le forum", None),
        # small talk with a letter off in a long word
        ("salam aleikoum", "greeting"),
        ("au revoire", "bye"),
        # "prochain" is when, not an FAQ subject; "qui a" is no action on a thing
        ("je voudrais m'inscrire au prochain forum", "register"),
        ("qui a fait ce service", "about"),
        # an undoing word with a typo is corrected to the undoing word, never to its opposite
        ("je veux le desabonement", "unsubscribe"),
        ("desinscription du forum", "cancel_registration"),
        # "no longer": YAML had read the "no" of "no more" as false
        ("i can no longer attend the fidima", "cancel_registration"),
        # what they may no longer keep is deleting; what they keep is asking
        ("je ne veux pas que vous gardiez mes données", "delete_data"),
        ("i don't want you to keep my phone number", "delete_data"),
        ("vous ne gardez pas mes données ?", "my_data"),
        # not knowing whether one is registered asks about one's registrations
        ("i don't know if i'm registered", "my_registrations"),
        # a subscription no more is stopping it
        ("i don't want to be subscribed anymore", "unsubscribe"),
        ("je ne veux plus être abonné", "unsubscribe"),
        # the bot's name is a question about the service ("tu t'appelles comment" got "did you
        # mean Connect 223"); someone else's name is an FAQ question
        ("tu t'appelles comment", "about"),
        ("what's your name", "about"),
    ],
)
def test_phrasings_read_since_session_6(
    intents: IntentIndex, message: str, intent: str | None
) -> None:
    assert read_as(intents, message) == intent


@pytest.mark.parametrize(
    "message",
    [
        # not managing to register is a problem told, not a cancellation
        "je n'ai pas pu m'inscrire au forum",
        "i couldn't register for the forum",
        # a language reported is not the one asked for
        "the bot answered in french",
        # one message is not the series
        "effacez le message précédent",
        # a meal's menu
        "menu du restaurant du forum",
        # being told about the forum is not the data kept
        "keep me posted about the forum",
        # "never mind" deletes nothing, nor does another thing deleted
        "forget it",
        "oubliez",
        "delete my appointment",
        # undoing what was done by mistake: asked, not guessed
        "je me suis désabonné par erreur",
        # (asking whether one is subscribed shows the state since intents7: below)
        # a hypothesis is a question about the action
        "if i unsubscribe will my registration be cancelled",
        # declining the offer is no STOP, which would also stop a forum's reminders
        "je ne veux pas m'abonner",
        "i don't want to subscribe",
    ],
)
def test_words_of_an_action_in_a_report_or_about_another_thing(
    intents: IntentIndex, message: str
) -> None:
    assert intents.match(message) is None


def test_the_typo_corrector_keeps_a_plural_of_a_known_word() -> None:
    # "contacts du consulat" became "contracts", and "did you mean" investment constraints.
    corrector = TypoCorrector({"contact", "contracts", "consulat"})
    assert corrector.correct("contacts") == "contacts"


# Session 6, second round (intents7): a question whether an action is done, an offer declined,
# and data named in another matter, were read as the action.
@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # asking whether one is subscribed shows the subscription's state, never subscribes
        ("suis-je abonné ?", "my_subscription"),
        ("est ce que je suis abonné ?", "my_subscription"),
        ("am i subscribed to the messages", "my_subscription"),
        ("am i subscribed", "my_subscription"),
        ("je suis abonné ?", "my_subscription"),
        ("jsuis abonné?", "my_subscription"),
        ("are you sending me messages?", "my_subscription"),
        ("je me suis abonné hier", "my_subscription"),
        # a past asked about, or a state word, is a question too
        ("did u subscribe me", "my_subscription"),
        ("have i subscribed", "my_subscription"),
        ("mon abonnement marche ?", "my_subscription"),
        ("is my subscription active", "my_subscription"),
        ("did you delete my data", None),
        ("vous avez annulé mon inscription ?", "my_registrations"),
        ("jsui inscri o forum?", "my_registrations"),
        ("est-ce que je reçois encore les messages", "my_subscription"),
        # a hypothesis is a question about subscribing ("est" no longer refuses it)
        ("si je m'abonne c'est gratuit ?", None),
        # ... nor does it cancel: the registrations are shown
        ("mon inscription est annulée ?", "my_registrations"),
        ("is my registration cancelled?", "my_registrations"),
        # asking whether the data is deleted asks nothing to be deleted (the FAQ says how)
        ("is my data deleted?", None),
        ("mes données ont été effacées ?", None),
        # declining the messages' offer is no STOP (which also stops a forum's reminders)
        ("je ne veux pas m'abonner aux sms", None),
        ("je veux pas m'abonner aux messages", None),
        ("i don't want to subscribe to the sms", None),
        ("i don't want to sign up for messages", None),
        # data stolen, or needed for a registration, is not what the bot keeps
        ("my personal data was stolen", None),
        ("what data do you need for registration", None),
        # and the requests are still read
        ("je suis malien et je veux m'abonner aux messages", "subscribe"),
        ("i am not subscribed yet, subscribe me", "subscribe"),
        ("jvx etre abonné aux messages", "subscribe"),
        ("je ne veux plus être abonné aux sms", "unsubscribe"),
        ("i don't want to be subscribed to the texts anymore", "unsubscribe"),
        ("je ne veux pas recevoir vos sms", "unsubscribe"),
        ("mes données sont supprimées ? sinon supprimez les", "delete_data"),
        ("quelles données avez vous sur moi", "my_data"),
        ("which forums am i registered for", "my_registrations"),
    ],
)
def test_a_question_whether_it_is_done_or_an_offer_declined_does_nothing(
    intents: IntentIndex, message: str, intent: str | None
) -> None:
    assert read_as(intents, message) == intent


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # erasing a message, or one erased, is no STOP; taking the person off still is
        ("supprime le message", None),
        ("i deleted your messages", None),
        ("effacez-moi de vos messages", "unsubscribe"),
        ("supprimez mon abonnement", "unsubscribe"),
        # a wish given up, put off, or a question of who: no subscription
        ("je voulais m'abonner mais finalement non", None),
        ("je vais réfléchir pour l'abonnement", None),
        ("qui m'a abonné ?", None),
        ("who subscribed me?", None),
        ("je voulais m'abonner aux messages", "subscribe"),
        # declining a registration, or maybe not coming, cancels nothing; no more is a cancel
        ("je ne veux pas m'inscrire au forum", None),
        ("je ne viendrai peut-être pas au forum", None),
        ("je ne veux plus être inscrit au forum", "cancel_registration"),
        ("je ne pourrai pas venir au fidima", "cancel_registration"),
        # another service's account is not ours
        ("supprimez mon compte whatsapp", None),
        ("comment supprimer mon compte facebook", None),
        ("effacez mon compte", "delete_data"),
        # changing is neither erasing nor registering anew
        ("changer mon numéro", None),
        ("mon numéro a changé", None),
        ("je veux changer de forum", None),
        ("supprimez mon numéro", "delete_data"),
        # the phone's credit run out is a problem told, no STOP
        ("i have no more credit for texts", None),
        ("i don't want your texts anymore, stop", "unsubscribe"),
    ],
)
def test_erasing_a_message_or_a_wish_given_up_is_not_the_action(
    intents: IntentIndex, message: str, intent: str | None
) -> None:
    assert read_as(intents, message) == intent
