"""`kb check` on FAQ files: each mistake a member of staff can make, and its message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.faq_check import check_faq

FIXTURE_FAQ = Path(__file__).parent / "fixtures" / "faq"


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    for path in FIXTURE_FAQ.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def edit(directory: Path, name: str, change) -> None:  # noqa: ANN001 - a small test helper
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_fixture_is_clean(faq_dir: Path) -> None:
    assert check_faq(faq_dir, forum_ids={"fidima"}) == []


def test_an_empty_directory_is_a_problem(tmp_path: Path) -> None:
    assert check_faq(tmp_path) == [f"{tmp_path}: -: no FAQ files"]


def test_duplicate_ids_across_files(faq_dir: Path) -> None:
    edit(faq_dir, "investment.yaml", lambda d: d["entries"][1].update(id="nationality_dual"))
    # Files are read in name order: the second definition is the one reported.
    assert "nationality.yaml: nationality_dual: duplicate id (also in investment.yaml)" in (
        check_faq(faq_dir)
    )


def test_missing_language_and_too_few_questions(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        entry = d["entries"][0]
        del entry["answer"]["en"]
        entry["questions"]["fr"] = entry["questions"]["fr"][:3]
        del entry["questions"]["en"]
        del entry["title"]["fr"]

    edit(faq_dir, "nationality.yaml", change)
    assert check_faq(faq_dir) == [
        "nationality.yaml: nationality_dual: title: missing language fr",
        "nationality.yaml: nationality_dual: answer: missing language en",
        "nationality.yaml: nationality_dual: questions: 3 in fr, at least 5 needed",
        "nationality.yaml: nationality_dual: questions: missing language en",
    ]


def test_sms_longer_than_300_gsm7_characters(faq_dir: Path) -> None:
    # 299 letters, then "€" which takes two septets in GSM-7, "ê" which becomes "e": 302.
    edit(faq_dir, "nationality.yaml", lambda d: d["entries"][1]["sms"].update(fr="a" * 299 + "€ê"))
    assert check_faq(faq_dir) == [
        "nationality.yaml: nationality_vote: sms fr: 302 GSM-7 characters, at most 300 allowed"
    ]


def test_a_derived_sms_always_fits(faq_dir: Path) -> None:
    long_sentence = "Une très longue phrase sans point " * 30
    edit(faq_dir, "investment.yaml", lambda d: d["entries"][1]["answer"].update(fr=long_sentence))
    assert check_faq(faq_dir, forum_ids={"fidima"}) == []


def test_dangling_related_and_unknown_forum(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        d["entries"][0]["related"] = ["investment_gone", "investment_company"]
        d["entries"][1]["forum"] = "no_such_forum"

    edit(faq_dir, "investment.yaml", change)
    assert check_faq(faq_dir, forum_ids={"fidima"}) == [
        "investment.yaml: investment_land: forum 'no_such_forum' does not exist in forums.yaml",
        "investment.yaml: investment_company: related id 'investment_gone' does not exist",
        "investment.yaml: investment_company: related to itself",
    ]
    # Without the list of forums, forum: is not checked.
    assert len(check_faq(faq_dir)) == 2


def test_missing_source_and_reviewed_and_bad_date(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        del d["entries"][0]["source"]
        d["entries"][1]["reviewed"] = "last week"
        del d["entries"][0]["reviewed"]

    edit(faq_dir, "investment.yaml", change)
    assert check_faq(faq_dir, forum_ids={"fidima"}) == [
        "investment.yaml: investment_company: missing source",
        "investment.yaml: investment_company: missing reviewed",
        "investment.yaml: investment_land: reviewed 'last week' is not a date (YYYY-MM-DD)",
    ]


def test_schema_mistakes(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        d["entries"][0]["keyword"] = ["typo for keywords"]
        d["entries"][1]["id"] = "Investment Land"

    edit(faq_dir, "investment.yaml", change)
    assert check_faq(faq_dir, forum_ids={"fidima"}) == [
        "investment.yaml: investment_company: unknown field 'keyword'",
        "investment.yaml: #2: id 'Investment Land' must be lower_snake_case",
    ]


def test_same_question_under_two_entries(faq_dir: Path) -> None:
    edit(
        faq_dir,
        "investment.yaml",
        lambda d: d["entries"][1]["questions"]["en"].append("Can I hold dual citizenship?"),
    )
    assert check_faq(faq_dir, forum_ids={"fidima"}) == [
        "nationality.yaml: nationality_dual: question 'Can I hold dual citizenship?' is also a "
        "question of investment_land"
    ]


def test_broken_yaml_and_missing_topic(faq_dir: Path) -> None:
    (faq_dir / "broken.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    (faq_dir / "notopic.yaml").write_text("entries: []\n", encoding="utf-8")
    problems = check_faq(faq_dir, forum_ids={"fidima"})
    assert problems[0].startswith("broken.yaml: -: not valid YAML: ")
    assert problems[1:] == [
        "notopic.yaml: -: missing 'topic' (id and title)",
        "notopic.yaml: -: 'entries' must be a non-empty list",
    ]


def test_the_loader_skips_what_the_checker_reports(faq_dir: Path) -> None:
    from knowledge.faq import FaqIndex

    (faq_dir / "broken.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    index = FaqIndex.load(faq_dir, semantic=False)
    assert len(index.entries) == 4


@pytest.mark.parametrize(
    ("field", "lang", "text", "word"),
    [
        ("answer", "fr", "Oui. Le Mali admet la double nationalité.", "Oui"),
        ("answer", "en", "Yes: Mali allows dual nationality.", "Yes"),
        ("sms", "fr", "Non, vous ne perdez pas la nationalité.", "Non"),
        ("sms", "en", "No. You keep it unless you declare it.", "No"),
        ("answer", "fr", "Bien sûr ! Le Mali admet la double nationalité.", "Bien sûr"),
    ],
)
def test_an_answer_opening_with_a_bare_yes_or_no_is_rejected(
    faq_dir: Path, field: str, lang: str, text: str, word: str
) -> None:
    edit(
        faq_dir,
        "nationality.yaml",
        lambda d: d["entries"][0].setdefault(field, {}).update({lang: text}),
    )
    problems = check_faq(faq_dir)
    assert any(
        p.startswith(f"nationality.yaml: nationality_dual: {field} {lang}: opens with {word!r}")
        for p in problems
    ), problems


def test_a_derived_sms_is_checked_for_its_opener_too(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        entry = d["entries"][0]
        entry.pop("sms", None)
        entry["answer"]["fr"] = "Oui. " + entry["answer"]["fr"]

    edit(faq_dir, "nationality.yaml", change)
    assert "nationality.yaml: nationality_dual: derived sms fr: opens with 'Oui'" in "\n".join(
        check_faq(faq_dir)
    )


def test_sentences_that_merely_start_with_the_same_letters_pass(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        entry = d["entries"][0]
        entry["answer"]["fr"] = "Si vous prenez une autre nationalité, vous restez Malien."
        entry["answer"]["en"] = "No discrimination exists against Malians abroad."

    edit(faq_dir, "nationality.yaml", change)
    assert not [p for p in check_faq(faq_dir) if "opens with" in p]


def test_an_awareness_message_opening_with_a_bare_no_is_rejected() -> None:
    from knowledge.awareness import AwarenessMessage, Series, check

    message = AwarenessMessage(
        1,
        "m1",
        sms={"fr": "Non, la traversée n'est pas sûre.", "en": "Crossing the sea costs lives."},
        text={"fr": "La traversée fait des morts.", "en": "No. Crossing the sea is not safe."},
    )
    assert check(Series("s", {}, (message,))) == [
        "message 1 sms fr: opens with 'Non', whose meaning depends on how the question was "
        "asked: start with the rule itself",
        "message 1 text en: opens with 'No', whose meaning depends on how the question was "
        "asked: start with the rule itself",
    ]


def test_a_pointer_holds_no_number_email_or_web_address(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        entry = d["entries"][1]
        entry["kind"] = "pointer"
        entry["answer"]["fr"] = "Appelez le consulat au 01 23 45 67 89."
        entry["sms"]["en"] = "Write to consulate@example.org."

    edit(faq_dir, "nationality.yaml", change)
    problems = check_faq(faq_dir)
    rule = "a pointer holds no number, e-mail or web address"
    assert f"nationality.yaml: nationality_vote: answer fr: {rule}" in problems
    assert f"nationality.yaml: nationality_vote: sms en: {rule}" in problems


def test_urgent_is_only_for_pointers_and_kinds_are_known(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        d["entries"][0]["urgent"] = True
        d["entries"][1]["kind"] = "advice"

    edit(faq_dir, "nationality.yaml", change)
    problems = check_faq(faq_dir)
    assert "nationality.yaml: nationality_dual: urgent is for pointers (kind: pointer)" in problems
    assert (
        "nationality.yaml: nationality_vote: kind 'advice' must be one of answer, pointer"
        in problems
    )


def test_guidance_states_no_figure_or_law_and_is_a_sentence_of_the_answer(faq_dir: Path) -> None:
    def change(d: dict) -> None:
        entry = d["entries"][0]
        entry["answer"]["fr"] += "\nAvant de payer, attendez 72 heures. Appliquez la loi 2011-087."
        entry["guidance"] = {
            "fr": [
                "Avant de payer, attendez 72 heures.",
                "Appliquez la loi 2011-087.",
                "Une phrase qui n'est pas dans la réponse.",
            ]
        }

    edit(faq_dir, "nationality.yaml", change)
    problems = [p for p in check_faq(faq_dir) if "guidance" in p]
    assert problems == [
        "nationality.yaml: nationality_dual: guidance fr: 'Avant de payer, attendez 72 heures.' "
        "states a figure",
        "nationality.yaml: nationality_dual: guidance fr: 'Appliquez la loi 2011-087.' "
        "states a figure",
        "nationality.yaml: nationality_dual: guidance fr: 'Appliquez la loi 2011-087.' "
        "names a law",
        "nationality.yaml: nationality_dual: guidance fr: \"Une phrase qui n'est pas dans la "
        'réponse." is not a sentence of the answer',
    ]


def test_an_answer_with_a_figure_needs_the_year_it_held(faq_dir: Path) -> None:
    edit(faq_dir, "nationality.yaml", lambda d: d["entries"][0].pop("as_of"))
    assert (
        "nationality.yaml: nationality_dual: answer fr holds a figure: as_of (the year it held) "
        "is required"
    ) in check_faq(faq_dir)
    edit(faq_dir, "nationality.yaml", lambda d: d["entries"][0].update(as_of="récent"))
    assert "nationality.yaml: nationality_dual: as_of 'récent' must be a year (YYYY)" in (
        check_faq(faq_dir)
    )


def test_an_answer_without_a_figure_needs_no_year(faq_dir: Path) -> None:
    assert "as_of" not in "\n".join(check_faq(faq_dir, forum_ids={"fidima"}))
    data = yaml.safe_load((faq_dir / "nationality.yaml").read_text(encoding="utf-8"))
    assert "as_of" not in data["entries"][1]  # nationality_vote: no figure, no year
