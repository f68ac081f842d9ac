"""Issue 13, bullet 7: how sure the engine the bot runs (words and meaning) is, on questions
written for these tests (not from the question sets): where both signals rank the same entry
first it answers, and a question about a neighbouring subject the FAQ does not cover
(knowledge/off_topic.yaml) is not answered with the entry it happens to share words with."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq import FaqIndex
from knowledge.faq_entries import load_faq, load_off_topic
from knowledge.faq_evaluation import load_cases
from knowledge.normalise import normalise

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def engines() -> dict[str, FaqIndex]:
    """The bot's engine, and the same without the off-topic subjects (the model loads once)."""
    topics, entries = load_faq()
    bot = FaqIndex(topics, entries, semantic=True, off_topic=load_off_topic())
    bare = FaqIndex(topics, entries, semantic=True)
    assert bot.wait_until_ready(timeout=120) and bare.wait_until_ready(timeout=120)
    return {"bot": bot, "without off-topic": bare}


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        (
            "je rentre au mali apres 10 ans en italie, qui aide a se reinstaller",
            "institutions_return",
        ),
        (
            "I came back home from Italy after 10 years, is there help to resettle",
            "institutions_return",
        ),
    ],
)
def test_words_and_meaning_agreeing_on_the_first_entry_answer_it(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)
    assert match.score < 48  # below the plain "clear lead" rule: agreement made it an answer
    words_only = FaqIndex.load().search(question)
    assert words_only.outcome == "unsure" and words_only.suggestions[0][0].id == entry


@pytest.mark.parametrize(
    ("question", "entry_it_shares_words_with"),
    [
        ("how do i learn english quickly", "bot_language"),
        ("je veux apprendre l anglais vite", "bot_language"),
        ("mon telephone est casse comment le reparer", "pointer_embassy_contacts"),
    ],
)
def test_a_neighbouring_subject_is_not_answered_with_an_entry(
    engines: dict[str, FaqIndex], question: str, entry_it_shares_words_with: str
) -> None:
    without = engines["without off-topic"].search(question)
    assert without.outcome == "answer" and without.entry.id == entry_it_shares_words_with
    match = engines["bot"].search(question)
    assert match.outcome != "answer"
    assert match.entry is None


def test_the_off_topic_subjects_are_written_apart_from_the_question_sets() -> None:
    subjects = {normalise(text) for text in load_off_topic()}
    assert len(subjects) >= 20
    cases = [
        case["q"]
        for name in ("faq_eval.yaml", "faq_heldout.yaml", "faq_dev4.yaml")
        for kind in ("in_scope", "out_of_scope")
        for case in load_cases(HERE / name)[kind]
    ]
    assert not [q for q in cases if normalise(q) in subjects]


def test_another_faq_has_no_off_topic_subjects(tmp_path: Path) -> None:
    """They are the shipped FAQ's neighbours; a knowledge base of its own has its own."""
    assert FaqIndex.load(tmp_path, semantic=True)._off_topic is False


@pytest.mark.parametrize(
    ("question", "about_mali", "malis_own_entry"),
    [
        (
            "combien d habitants compte la cote d ivoire",
            "combien d habitants compte le mali",
            "figures_mali",
        ),
        ("what is the population of ghana", "what is the population of mali", "figures_mali"),
        (
            "le code des investissements de la guinee",
            "le code des investissements du mali",
            "investment_code",
        ),
        (
            "est ce que le senegal accepte la double nationalite",
            "est ce que le mali accepte la double nationalite",
            "nationality_dual",
        ),
    ],
)
def test_another_country_in_malis_place_is_not_answered_with_malis_entry(
    engines: dict[str, FaqIndex], question: str, about_mali: str, malis_own_entry: str
) -> None:
    """Session 5: Mali's figures, laws and nationality code are not another country's; the
    person gets "did you mean" (Mali's entry may be what they wanted), never a confident wrong
    answer. Asked about Mali, the same words get Mali's entry."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    assert malis_own_entry in [entry.id for entry, _ in match.suggestions]
    malian = engines["bot"].search(about_mali)
    assert (malian.outcome, malian.entry and malian.entry.id) == ("answer", malis_own_entry)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("j habite en espagne, comment acheter un terrain pour construire", "investment_land"),
        ("i live in germany, what taxes would my company pay", "investment_tax"),
        ("comment obtenir un visa pour le canada", "pointer_visas_residence"),
    ],
)
def test_where_the_asker_lives_is_context_not_the_subject(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    "question",
    [
        "si je prends la nationalite ivoirienne je perds la mienne ?",
        "if i get british citizenship will i lose my nationality",
        "si je deviens senegalais je perds ma nationalite ?",
    ],
)
def test_the_nationality_someone_takes_is_their_setting_not_the_subject(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6: the people named is the nationality taken; what is asked is Mali's law on
    dual nationality (a country asked about in Mali's place, above, still is not)."""
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", "nationality_dual")
    ghana = engines["bot"].search("does ghana allow dual citizenship")
    assert ghana.outcome == "unsure"


@pytest.mark.parametrize(
    "question",
    [
        "je suis au canada, comment refaire mon passeport",
        "i'm in the us, how do i renew my passport",
    ],
)
def test_being_somewhere_is_the_setting_too(engines: dict[str, FaqIndex], question: str) -> None:
    """Session 6: "je suis au canada", "i'm in the us" say where the asker is, as "je vis" does;
    the consular documents entry answers (it named neither country, so it was "did you mean")."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert (match.outcome, match.entry and match.entry.id) == (
            "answer",
            "pointer_consular_documents",
        )


@pytest.mark.parametrize(
    "question", ["population malienne en europe", "the population of malians in europe"]
)
def test_a_place_a_sibling_entry_speaks_of_keeps_both_on_offer(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Mali's figures share "population" with the question, but Europe is what the Malians in
    Europe entry answers about: the person chooses between the two, nobody is told Mali's
    population as if it were the answer."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    offered = [entry.id for entry, _ in match.suggestions]
    assert {"figures_mali", "figures_europe_france"} <= set(offered)


@pytest.mark.parametrize(
    ("question", "set_aside", "about_it"),
    [
        ("a part le fidima, quels forums", "forum_fidima", "c est quoi le fidima"),
        ("other than fidima what forums were there", "forum_fidima", "what was fidima"),
    ],
)
def test_what_a_question_sets_aside_is_not_its_answer(
    engines: dict[str, FaqIndex], question: str, set_aside: str, about_it: str
) -> None:
    """ "Besides X", "a part X": the person knows about X and asks for the rest; answering X with
    confidence would be the one wrong answer. They get the choices instead."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    assert (match.entry is None) and len(match.suggestions) > 1
    plain = engines["bot"].search(about_it)
    assert (plain.outcome, plain.entry and plain.entry.id) == ("answer", set_aside)


@pytest.mark.parametrize(
    "question",
    [
        "mon neveu veut partir par le desert, un homme lui demande de l argent",
        "my nephew wants to cross the desert, a man asks him for money",
    ],
)
def test_a_smuggler_asking_money_is_never_told_the_wrong_answer_with_confidence(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Issue 13, bullet 7 (faqconf5): answering more "did you mean" outright was tried (a lower
    floor for a clear lead where the FAQ knows every word); this question, written to check it,
    got a confident answer about a relative in danger where it is about a smuggler. Low-scored
    leads stay a choice: the only confident answer allowed is the smugglers one."""
    match = engines["bot"].search(question)
    assert match.outcome != "answer" or match.entry.id == "migration_smugglers"


def test_a_smuggler_offering_the_crossing_is_the_first_thing_offered(
    engines: dict[str, FaqIndex],
) -> None:
    """The person reads the smugglers entry first, answered or offered (one reply "1" away)."""
    match = engines["bot"].search("someone offers to take my brother to europe by boat for money")
    first = match.entry if match.entry is not None else match.suggestions[0][0]
    assert first.id == "migration_smugglers"


def test_the_decision_study_reads_the_development_sets_only() -> None:
    """benchmarks/faq_decision.py cross-validates over the sets the engine was tuned on; the
    sets written apart are never opened by it (set 3, opened in session 6, is not added)."""
    from benchmarks.faq_decision import DEVELOPMENT

    assert set(DEVELOPMENT) == {"eval", "held-out", "dev 4"}
    assert not [p for p in DEVELOPMENT.values() if "heldout3" in p.name or "heldout4" in p.name]


@pytest.mark.parametrize(
    ("question", "entry_it_shares_words_with"),
    [
        ("combien de togolais vivent hors de leur pays", "figures_diaspora_size"),
        ("i want to set up a firm in the uk, what are the steps", "investment_api_mali"),
    ],
)
def test_a_people_or_a_short_country_name_is_another_country(
    engines: dict[str, FaqIndex], question: str, entry_it_shares_words_with: str
) -> None:
    """Session 6: "togolais" (a people whose name does not begin with its country's, past the
    five letters a people's name is read by) and "the uk" (a short name read only whole) are
    other countries: Mali's diaspora figures and API-Mali are offered, not stated as the answer."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    assert entry_it_shares_words_with in [entry.id for entry, _ in match.suggestions]


@pytest.mark.parametrize(
    "question",
    [
        "c est qui le ministre des maliens de l exterieur en ce moment",
        "who's the minister in charge of the diaspora now",
        "le nom du ministre des maliens de l exterieur",
    ],
)
def test_who_holds_an_office_is_not_answered_with_what_the_office_does(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6: no entry names a minister (holders change); the ministry's tasks are offered,
    never told as if they were the minister's name. Asked what the ministry does, it answers."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert match.outcome == "unsure"
        assert match.suggestions[0][0].id == "institutions_ministry"
    plain = engines["bot"].search("what does the ministry of malians abroad do")
    assert (plain.outcome, plain.entry and plain.entry.id) == ("answer", "institutions_ministry")


@pytest.mark.parametrize(
    "question",
    [
        "est ce qu une personne du ministere peut discuter avec moi",
        "can someone from the ministry of malians abroad reply to me",
        "je veux parler a quelqu un du ministere des maliens de l exterieur",
    ],
)
def test_asking_to_talk_with_a_person_is_not_answered_with_an_office(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6: what is asked is a person to talk with (the bot's advisor hand-off), not what
    the ministry does: the ministry's entry is no confident answer (it was, at 55-70); the
    advisor's may be, and the ministry stays on offer otherwise."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert match.outcome != "answer" or match.entry.id == "bot_advisor"
        offered = [entry.id for entry, _ in match.suggestions]
        assert match.entry is not None or "institutions_ministry" in offered


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("i would like to speak to someone about sending money cheaply", "remittances_cost"),
        ("je voudrais parler a quelqu un de l apej pour un emploi", "investment_apej"),
    ],
)
def test_a_talk_about_a_subject_is_a_question_about_it(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    """Said what the talk is about ("about sending money", "pour un emploi"), the subject is the
    question: its entry answers, as it did before the rule above."""
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)


def test_asking_to_talk_with_someone_at_the_embassy_still_gets_its_contacts(
    engines: dict[str, FaqIndex],
) -> None:
    """Where to reach the embassy is what a person asking to talk to someone there needs: the
    rule above leaves the bot's and the pointers' entries answered."""
    match = engines["bot"].search("je veux parler a quelqu un de l ambassade du mali a paris")
    assert (match.outcome, match.entry and match.entry.id) == (
        "answer",
        "pointer_embassy_contacts",
    )


@pytest.mark.parametrize(
    "question",
    [
        "taux de change pour envoyer de l argent aujourd hui",
        "what is the euro exchange rate today",
    ],
)
def test_todays_rate_is_not_answered_with_the_cost_of_a_transfer(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6: no entry holds today's rate or price; the cost of sending money is offered,
    not stated as if it were the rate. What sending costs today is still answered."""
    match = engines["bot"].search(question)
    assert match.outcome != "answer"
    cost = engines["bot"].search("how much does sending money to mali cost right now")
    assert (cost.outcome, cost.entry and cost.entry.id) == ("answer", "remittances_cost")


def test_a_pointer_still_answers_a_question_about_today(engines: dict[str, FaqIndex]) -> None:
    """A pointer sends to whoever knows today's fee (the consulate, the company): asked for
    today's price of a passport, it is the answer; no other entry holds a value of the day."""
    match = engines["bot"].search("prix du passeport malien aujourd hui")
    assert (match.outcome, match.entry and match.entry.id) == (
        "answer",
        "pointer_consular_documents",
    )


@pytest.mark.parametrize(
    "question",
    [
        "quelles conditions pour demander la nationalite francaise",
        "how can i get canadian citizenship",
        "demander la nationalite francaise, quels papiers",
    ],
)
def test_how_to_acquire_another_nationality_is_not_malis_law(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6: another country's naturalisation is not what the dual-nationality entry says
    (Mali's law keeps your nationality); it is offered, not stated as the answer. Asked whether
    Mali's nationality is kept, the entry answers."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert match.outcome == "unsure"
        assert "nationality_dual" in [entry.id for entry, _ in match.suggestions]
    kept = engines["bot"].search(
        "comment demander la nationalite espagnole sans perdre la malienne"
    )
    assert (kept.outcome, kept.entry and kept.entry.id) == ("answer", "nationality_dual")


def test_a_year_after_all_the_faq_knows_is_not_answered(
    engines: dict[str, FaqIndex],
) -> None:
    """Session 6: the FAQ's sources stop in 2016; the figures of Malians in Europe say nothing
    of 2024. A year it names still finds its entry ("le fidima de 2009")."""
    match = engines["bot"].search("combien de maliens sont partis vers l europe en 2024")
    assert match.outcome == "unsure"
    assert "figures_europe_france" in [entry.id for entry, _ in match.suggestions]
    named = engines["bot"].search("le fidima de 2009 c etait quoi")
    assert (named.outcome, named.entry and named.entry.id) == ("answer", "forum_fidima")


BECOMING = "pointer_nationality_acquisition"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # How one becomes Malian is not in the sources: an honest pointer, not "did you mean"
        # with school, Europe's figures and village associations (a second-generation question).
        ("I was born in Paris, my father is Malian. Am I Malian?", BECOMING),
        ("est ce que mes enfants nés en france sont maliens", BECOMING),
        # Keeping it when taking another is the dual-nationality rule, which the sources give.
        ("do i lose my malian nationality if i become french", "nationality_dual"),
        ("si je deviens français est ce que je reste malien", "nationality_dual"),
    ],
)
def test_becoming_malian_is_a_pointer_keeping_it_is_the_law(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    ("question", "entry_it_shares_words_with"),
    [
        ("numero de telephone de la clinique pasteur", "bot_data"),
        ("phone number of a plumber", "bot_data"),
        ("what is the address of the bamako zoo", "pointer_embassy_contacts"),
        ("adresse du stade de bamako", "pointer_embassy_contacts"),
        ("orange money est ferme le lundi ?", "pointer_company_fees"),
        ("orange money action en bourse", "pointer_company_fees"),
    ],
)
def test_a_thing_the_faq_does_not_know_is_the_subject_not_the_bot_or_a_pointer(
    engines: dict[str, FaqIndex], question: str, entry_it_shares_words_with: str
) -> None:
    """Session 6, faqscope7: a question naming something no entry speaks of (a clinic, a
    plumber, a zoo, a stadium, a company's opening days or shares) and sharing with the bot's
    entries or a pointer only what it asks of it (a phone, an address, a price) or only the
    company's name asks about that thing: "did you mean" at most, in both modes (these were
    answered with the bot's personal data, the embassy's contacts, a company's fees)."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert match.outcome != "answer", (question, match)
        assert entry_it_shares_words_with in [entry.id for entry, _ in match.suggestions]


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("numero de telephone de l ambassade du mali a libreville", "pointer_embassy_contacts"),
        ("what is the phone number of the malian embassy in ottawa", "pointer_embassy_contacts"),
        ("le numero du consulat svp jsui a bordeaux", "pointer_embassy_contacts"),
        ("phone number of the consulate in madrid", "pointer_embassy_contacts"),
        ("cb coute le visa pr l espagne", "pointer_visas_residence"),
        ("how much for a residence permit in belgium", "pointer_visas_residence"),
        ("frais western union vers bamako", "pointer_company_fees"),
        ("combien prend orange money pour un transfert", "pointer_company_fees"),
        ("western union from spain", "pointer_company_fees"),
        ("ria ou western union lequel est moins cher", "pointer_company_fees"),
        ("effacer mon numero de votre liste", "bot_delete"),
        ("what do you do with my phone number", "bot_data"),
    ],
)
def test_a_phone_a_price_or_a_company_of_the_faqs_own_subjects_is_still_answered(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    """The other side of the rule above: where the question shares a word of the entry's own
    subject (an embassy, a consulate, a visa, fees, erasing), or asks only of a company, the
    words decide, and these are answered in both modes (places the FAQ does not know, such as
    libreville or bordeaux, are the setting)."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert (match.outcome, match.entry and match.entry.id) == ("answer", entry), question


@pytest.mark.parametrize(
    "question",
    ["population de sikasso", "combien d habitants a kayes", "how many people live in mopti"],
)
def test_a_town_of_mali_is_not_answered_with_the_countrys_figures(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6, faqscope7: a town's population is not Mali's (these were answered with Mali's
    figures at 62-80); the figures stay on offer, and Mali's, or a town an entry names, is
    answered."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert match.outcome == "unsure"
        assert match.suggestions[0][0].id == "figures_mali"
    for asked, entry in [
        ("population du mali", "figures_mali"),
        ("how many people live in mali", "figures_mali"),
        ("combien de maliens de kayes en france", "figures_europe_france"),
    ]:
        match = engines["bot"].search(asked)
        assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    "question",
    ["qui va gagner la presidentielle au mali", "who will win the next election in mali"],
)
def test_who_will_win_an_election_is_not_answered_with_its_dates(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Session 6, faqscope7: a prediction is what no entry can say; the elections pointer (dates,
    registering) is offered, not stated. When the elections are, and who helps one register to
    vote, are still answered."""
    for engine in (engines["bot"], FaqIndex.load()):
        match = engine.search(question)
        assert match.outcome == "unsure"
        assert match.suggestions[0][0].id == "pointer_elections"
    for asked in (
        "quand auront lieu les prochaines elections",
        "who will help me register to vote",
    ):
        match = engines["bot"].search(asked)
        assert (match.outcome, match.entry and match.entry.id) == ("answer", "pointer_elections")
