"""`diaspora-bot ask` and `diaspora-bot kb check`, run as staff would run them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from knowledge.check import KNOWLEDGE_DIR
from tests.bot.test_cli import run


def test_ask_json_gives_one_object_per_question(tmp_path: Path) -> None:
    questions = "double nationalite ?\nwho won the football match yesterday\n"
    result = run(["ask", "--json"], tmp_path, questions)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["matched"], first["id"], first["lang"]) == (True, "nationality_dual", "fr")
    assert "249" in first["answer"]
    assert second["matched"] is False
    assert second["lang"] == "en"
    assert set(first) == {
        "question",
        "matched",
        "outcome",
        "id",
        "score",
        "lang",
        "answer",
        "suggestions",
    }


def test_ask_for_sms_gives_the_short_gsm7_answer(tmp_path: Path) -> None:
    result = run(["ask", "--json", "--channel", "sms", "double nationalité"], tmp_path)
    answer = json.loads(result.stdout)["answer"]
    assert len(answer) <= 300
    assert "ê" not in answer


def test_kb_check_passes_on_the_shipped_knowledge(tmp_path: Path) -> None:
    result = run(["kb", "check"], tmp_path)
    assert result.returncode == 0, result.stdout
    assert "no problems" in result.stdout


def test_kb_check_names_the_file_the_entry_and_the_problem(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, broken, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    faq = broken / "faq" / "nationality.yaml"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace(
            "related: [nationality_rights, nationality_school_public_service]",
            "related: [nationality_rights, no_such_entry]",
            1,
        ),
        encoding="utf-8",
    )
    (broken / "locales" / "en.yaml").write_text(
        (broken / "locales" / "en.yaml")
        .read_text(encoding="utf-8")
        .replace("({length} characters)", "({lenght} characters)"),
        encoding="utf-8",
    )
    result = run(["kb", "check", "--dir", str(broken)], tmp_path)
    assert result.returncode == 1
    assert "nationality.yaml: nationality_dual:" in result.stdout
    assert "no_such_entry" in result.stdout
    assert "en.yaml: input.too_long: placeholders" in result.stdout


def test_ask_answers_with_sentence_embeddings_from_the_first_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAQ_SEMANTIC (the bot's default): `ask` waits for the embeddings, so even the first
    question gets them; words alone leave this paraphrase in doubt."""
    question = "comment ouvrir une societe rapidement au mali\n"
    monkeypatch.setenv("FAQ_SEMANTIC", "false")
    words = json.loads(run(["ask", "--json"], tmp_path, question).stdout)
    monkeypatch.setenv("FAQ_SEMANTIC", "true")
    meaning = json.loads(run(["ask", "--json"], tmp_path, question).stdout)
    assert (words["matched"], words["id"]) == (False, "investment_api_mali")
    assert (meaning["matched"], meaning["id"]) == (True, "investment_api_mali")


def test_kb_check_guidance_lists_the_advice_for_the_reviewer(tmp_path: Path) -> None:
    result = run(["kb", "check", "--guidance"], tmp_path)
    assert result.returncode == 0, result.stdout
    assert "guidance:" in result.stdout
    assert (
        "migration.yaml: migration_smugglers: fr: Méfiez-vous de toute personne qui promet un "
        "voyage facile ou un emploi à l'étranger contre de l'argent."
    ) in result.stdout


def test_kb_review_writes_every_entry_for_the_reviewer(tmp_path: Path) -> None:
    import csv

    out = tmp_path / "review.csv"
    result = run(["kb", "review", "--format", "csv", "--output", str(out)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {row["id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    dual = rows["nationality_dual"]
    assert dual["answer_fr"].startswith("Le Mali admet la double nationalité")
    assert "only if they declare it" in dual["sms_en"]
    assert "249" in dual["source"] and dual["as_of"] == "2016"
    # The dates are the engineering team's check, not a signature: the columns say so.
    assert dual["checked_against_sources_by_engineering_on"] and dual["ministry_signature"] == ""
    assert "Si je prends la nationalité" in dual["questions_fr"]
    assert "ambassade ou consulat" in dual["guidance_fr"]
    assert rows["pointer_relative_in_danger"]["kind"] == "pointer (urgent)"

    md = tmp_path / "review.md"
    assert run(["kb", "review", "--format", "md", "--output", str(md)], tmp_path).returncode == 0
    text = md.read_text(encoding="utf-8")
    assert "## nationality_dual (nationality.yaml, answer)" in text
    assert "- As of: 2016" in text and "Guidance:" in text
    assert "Checked against the sources by the engineering team on 20" in text
    assert "awaiting the ministry's signature" in text and "- Reviewed:" not in text


def test_kb_check_stale_lists_entries_not_reviewed_for_that_long(tmp_path: Path) -> None:
    old = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, old, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    faq = old / "faq" / "nationality.yaml"
    # The first `reviewed:` of the file is nationality_dual's.
    text = re.sub(r"reviewed: [0-9-]+", "reviewed: 2020-01-01", faq.read_text("utf-8"), count=1)
    faq.write_text(text, encoding="utf-8")
    result = run(["kb", "check", "--dir", str(old), "--stale", "36500"], tmp_path)
    assert result.returncode == 0, result.stdout  # a century: nothing is that old
    result = run(["kb", "check", "--dir", str(old), "--stale", "365"], tmp_path)
    assert result.returncode == 1
    assert "nationality.yaml: nationality_dual: not reviewed since 2020-01-01" in result.stdout
    assert "nationality_rights" not in result.stdout


# --- session 4, issue-18: ask --lang takes any language of the service --------------------------


def _ask_bm(tmp_path: Path, question: str, **env: str):  # type: ignore[no-untyped-def]
    return run(
        ["ask", "--json", "--lang", "bm", question],
        tmp_path,
        LANGUAGES="fr,en,bm",
        FAQ_SEMANTIC="false",
        **env,
    )


def test_ask_in_bambara_says_what_people_would_get(tmp_path: Path) -> None:
    # Listed, nothing reviewed: not offered, so answered as people would be, in French.
    plain = _ask_bm(tmp_path, "double nationalité")
    assert plain.returncode == 0, plain.stderr
    record = json.loads(plain.stdout)
    assert (record["id"], record["lang"]) == ("nationality_dual", "fr")
    assert "Bamanankan (bm) is not offered yet" in plain.stderr
    assert "Answers come in Français (fr)" in plain.stderr
    # Reviewers, with drafts: Bambara's own texts where it has them, French where not.
    drafts = _ask_bm(tmp_path, "i ni ce, n bɛ baara fɛ", LANGUAGE_DRAFTS="true")
    record = json.loads(drafts.stdout)
    assert (record["outcome"], record["lang"]) == ("none", "bm")
    assert record["answer"].startswith("N tɛ nin ɲininkali jaabi dɔn")  # bm.yaml's faq.none
    assert "drafts included" in drafts.stderr
    answered = json.loads(_ask_bm(tmp_path, "double nationalité", LANGUAGE_DRAFTS="true").stdout)
    assert (answered["id"], answered["lang"]) == ("nationality_dual", "fr")  # not translated


def test_ask_refuses_a_language_the_service_does_not_list(tmp_path: Path) -> None:
    result = run(["ask", "--lang", "bm", "double nationalité"], tmp_path, FAQ_SEMANTIC="false")
    assert result.returncode == 2
    assert "--lang bm: not a language of the service (LANGUAGES: fr, en)" in result.stderr
    assert result.stdout == ""
