"""Poll files: what `poll check` accepts and refuses, and how a person's word is read."""

from __future__ import annotations

import copy

import pytest

from knowledge.polls import POLLS_DIR, PollError, load, match_option, parse

GOOD = {
    "id": "invest_sector",
    "title": {"fr": "Investir au Mali", "en": "Investing in Mali"},
    "closes": "2026-12-15T20:00Z",
    "questions": [
        {
            "id": "sector",
            "text": {"fr": "Dans quel secteur ?", "en": "Which sector?"},
            "options": [
                {"value": "agriculture", "fr": "Agriculture", "en": "Agriculture"},
                {"value": "trade", "fr": "Commerce", "en": "Trade"},
                {"value": "housing", "fr": "Immobilier", "en": "Housing"},
            ],
        },
        {
            "id": "comment",
            "text": {"fr": "Un mot ?", "en": "A word?"},
            "free_text": True,
            "optional": True,
        },
    ],
}


def changed(**changes) -> dict:
    data = copy.deepcopy(GOOD)
    data.update(changes)
    return data


def problems(data: dict) -> str:
    with pytest.raises(PollError) as error:
        parse(data)
    return "\n".join(error.value.problems)


def test_the_example_poll_file_is_valid() -> None:
    poll = load(POLLS_DIR / "invest_sector.yaml")
    assert poll.id == "invest_sector" and len(poll.questions) == 3
    assert poll.closes is not None and poll.closes.isoformat() == "2026-12-15T20:00:00+00:00"


def test_a_good_poll_reads_back_from_its_stored_form() -> None:
    poll = parse(GOOD)
    assert parse(poll.to_data()) == poll


def test_ids_are_letters_digits_and_underscores() -> None:
    assert "letters, digits and _" in problems(changed(id="invest-sector"))


def test_two_to_nine_options() -> None:
    one = changed()
    one["questions"][0]["options"] = one["questions"][0]["options"][:1]
    assert "1 options, give 2 to 9" in problems(one)
    ten = changed()
    ten["questions"][0]["options"] = [
        {"value": f"o{n}", "fr": f"Choix {n}", "en": f"Choice {n}"} for n in range(10)
    ]
    assert "10 options, give 2 to 9" in problems(ten)


def test_at_most_five_questions() -> None:
    six = changed(questions=[{**GOOD["questions"][1], "id": f"q{n}"} for n in range(6)])
    assert "6 questions: at most 5" in problems(six)


def test_a_label_fits_one_line_of_an_sms() -> None:
    data = changed()
    data["questions"][0]["options"][0]["fr"] = "L'agriculture, l'élevage et la pêche artisanale"
    assert "at most 30" in problems(data)


def test_both_languages_are_required() -> None:
    data = changed()
    del data["questions"][0]["text"]["en"]
    assert "question 'sector' text: the en text is missing" in problems(data)


def test_the_question_with_its_options_must_fit_the_sms_budget() -> None:
    data = changed()
    data["questions"][0]["text"] = {"fr": "Pourquoi ? " * 40, "en": "Why? " * 10}
    found = problems(data)
    assert "question 'sector' (fr): 4 SMS segments with its options, the budget is 2" in found


def test_the_first_question_offers_options() -> None:
    data = changed(questions=list(reversed(GOOD["questions"])))
    assert "the first question must be multiple choice" in problems(data)


def test_characters_outside_gsm7_are_refused() -> None:
    data = changed()
    data["questions"][0]["text"] = {"fr": "Quel secteur ? 🌱", "en": "Which sector?"}
    assert "characters outside GSM-7" in problems(data)


def test_options_that_read_the_same_are_refused() -> None:
    data = changed()
    data["questions"][0]["options"][1]["fr"] = "AGRICULTURE"
    assert "both read 'agriculture'" in problems(data)


def test_every_problem_is_listed_at_once() -> None:
    data = changed(id="bad id!", title={"fr": "Titre"})
    found = problems(data)
    assert "letters, digits and _" in found and "title: the en text is missing" in found


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("2", "trade"),
        ("2.", "trade"),
        ("commerce", "trade"),
        ("COMMERCE", "trade"),
        ("Comerce", "trade"),
        ("trade", "trade"),
        ("immobiler", "housing"),
        ("Agriculture !", "agriculture"),
        ("9", None),
        ("bonjour", None),
        ("", None),
    ],
)
def test_a_persons_answer_is_read_by_number_word_or_typo(typed: str, value: str | None) -> None:
    question = parse(GOOD).questions[0]
    found = match_option(question, typed)
    assert (found.value if found else None) == value
