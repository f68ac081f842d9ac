"""Translated packs and the translators' workflow: review status, PO round trip, refusals."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import polib
import pytest

from bot.cli import main
from bot.conversation import Conversation
from handlers.languages import keyword_problems
from handlers.routes import command_keywords
from knowledge import awareness
from knowledge.gsm7 import is_gsm7, segments, transliterate
from knowledge.locales import CORE_KEYS, LOCALES_DIR, Locales
from knowledge.text import fold
from knowledge.translations import export_csv, export_po, import_file, pack_problems
from tests.chat import Chat

NEW_GREETING = "I ni ce! N bɛ se ka mun kɛ i ye bi?"


@pytest.fixture
def locales_dir(tmp_path: Path) -> Path:
    """A copy of the shipped locale files that an import may rewrite."""
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target)
    return target


def _export(locales_dir: Path, path: Path) -> polib.POFile:
    export_po(Locales.load(locales_dir), "bm").save(str(path))
    return polib.pofile(str(path))


def _entry(po: polib.POFile, key: str) -> polib.POEntry:
    return next(e for e in po if e.msgctxt == key)


def test_drafts_are_hidden_unless_asked_for() -> None:
    hidden = Locales.load(languages=("fr", "en", "bm"))
    assert hidden.t("bm", "greeting_back") == "Bonjour ! Que puis-je faire pour vous ?"
    assert hidden.languages == ("fr", "en")  # too few reviewed strings: not offered
    shown = Locales.load(languages=("fr", "en", "bm"), drafts=True)
    assert shown.t("bm", "greeting_back") == "I ni ce! N bɛ se ka mun kɛ i ye?"
    assert shown.languages == ("fr", "en", "bm")
    # Soninke has keywords and a greeting only: not enough to hold a conversation, even drafts.
    assert "snk" not in Locales.load(languages=("fr", "snk"), drafts=True).languages


def test_fallback_is_string_by_string() -> None:
    locales = Locales.load(languages=("fr", "en", "bm"), drafts=True)
    assert locales.resolve("bm", "menu.title")[1] == "bm"
    text, language = locales.resolve("bm", "privacy.deleted")
    assert (text, language) == (locales.t("fr", "privacy.deleted"), "fr")
    # The "some answers in French" note itself falls back to French while Bambara's is a draft.
    note = Locales.load(languages=("fr", "bm")).t(
        "bm", "i18n.partial", language="Bamanankan", fallback="Français"
    )
    assert note.startswith("Certaines réponses ne sont pas encore traduites en Bamanankan")


def test_the_shipped_packs_pass_kb_check_and_are_all_drafts() -> None:
    locales = Locales.load(languages=("fr", "en", "bm", "snk"))
    assert locales.problems() == []
    assert pack_problems(locales) == []
    assert keyword_problems(command_keywords(), locales) == []
    for pack in locales.packs.values():  # written by a non-native engineer: nothing reviewed
        assert all(t.status == "draft" for t in pack.strings.values())
        assert "non-native" in pack.meta["note"]


def test_a_keyword_that_another_command_uses_is_refused(locales_dir: Path) -> None:
    path = locales_dir / "bm.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  - deme\n", "  - deme\n  - stop\n"),
        encoding="utf-8",
    )
    problems = keyword_problems(command_keywords(), Locales.load(locales_dir))
    assert "bm.yaml: keywords.aide: 'stop' is already the command 'stop'" in problems


def test_bambara_letters_are_typed_in_ascii_and_sent_in_gsm7() -> None:
    assert fold("I ka kɛnɛ wa? Ɲininkali") == fold("i ka kene wa? nyininkali")
    assert fold("ŋaniya") == "nganiya"
    locales = Locales.load(languages=("fr", "bm"), drafts=True)
    sms = transliterate(locales.t("bm", "welcome_sms"))
    assert is_gsm7(sms)  # ɛ -> è, ɔ -> ò, ɲ -> ny, ŋ -> ng: the SMS stays GSM-7
    assert "kòkan" in sms and "somògòw" in sms
    assert segments(sms).segments == 1


def test_po_round_trip_a_reviewed_string_reaches_people(
    tmp_path: Path, locales_dir: Path, db, knowledge, config
) -> None:
    po_path = tmp_path / "bm.po"
    po = _export(locales_dir, po_path)
    entry = _entry(po, "greeting_back")
    assert entry.msgid == "Bonjour ! Que puis-je faire pour vous ?"  # the French source
    assert "SMS: at most 160 GSM-7 characters" in entry.comment
    assert "fuzzy" in entry.flags  # a draft waits for a reviewer
    # The translator changes one string (Poedit clears "fuzzy" on the strings it edits)...
    entry.msgstr = NEW_GREETING
    entry.flags.remove("fuzzy")
    po.save(str(po_path))
    result = import_file(po_path, locales_dir=locales_dir)
    assert result.errors == [] and result.drafts == 1
    assert Locales.load(locales_dir, drafts=True).t("bm", "greeting_back") == NEW_GREETING
    assert Locales.load(locales_dir).t("bm", "greeting_back") != NEW_GREETING  # not reviewed
    # ...then a reviewer checks the core strings, signs off in the header, and imports.
    po = polib.pofile(str(po_path))
    for e in po:
        if e.msgctxt in CORE_KEYS and "fuzzy" in e.flags:
            e.flags.remove("fuzzy")
    po.metadata["X-Reviewed-By"] = "Test Reviewer"
    po.metadata["X-Review-Date"] = "2026-11-29"
    po.save(str(po_path))
    result = import_file(po_path, locales_dir=locales_dir)
    assert result.errors == [] and result.reviewed == len(CORE_KEYS)
    reviewed = Locales.load(locales_dir, languages=("fr", "en", "bm"))
    assert reviewed.packs["bm"].strings["greeting_back"].reviewer == "Test Reviewer"
    assert reviewed.languages == ("fr", "en", "bm")  # the core is reviewed: offered
    assert reviewed.t("bm", "greeting_back") == NEW_GREETING
    # Still a draft, so still French: a string the reviewer left fuzzy.
    assert reviewed.resolve("bm", "flow.cancelled")[1] == "fr"


async def test_po_round_trip_the_bot_says_the_reviewed_string(
    tmp_path: Path, locales_dir: Path, db, knowledge, config
) -> None:
    po_path = tmp_path / "bm.po"
    po = _export(locales_dir, po_path)
    _entry(po, "greeting_back").msgstr = NEW_GREETING
    for e in po:
        if e.msgctxt in CORE_KEYS:
            e.flags = [f for f in e.flags if f != "fuzzy"]
    po.metadata["X-Reviewed-By"] = "Test Reviewer"
    po.save(str(po_path))
    assert import_file(po_path, locales_dir=locales_dir).errors == []
    locales = Locales.load(locales_dir, languages=("fr", "en", "bm"))
    chat = Chat(Conversation(db, replace(knowledge, locales=locales), config))
    await chat.say("LANGUE bm")
    assert NEW_GREETING in await chat.say("bonjour")


def test_a_broken_placeholder_and_an_sms_over_budget_are_refused_with_line_and_reason(
    tmp_path: Path, locales_dir: Path
) -> None:
    po_path = tmp_path / "bm.po"
    po = _export(locales_dir, po_path)
    _entry(po, "faq.topic_entries").msgstr = "{tema}: ɲininkali dɔ sugandi."
    _entry(po, "welcome_sms").msgstr = "I ni ce! " * 30
    po.save(str(po_path))
    before = (locales_dir / "bm.yaml").read_text(encoding="utf-8")
    result = import_file(po_path, locales_dir=locales_dir)
    saved = polib.pofile(str(po_path))
    topic_line = _entry(saved, "faq.topic_entries").linenum
    sms_line = _entry(saved, "welcome_sms").linenum
    assert any(
        e.startswith(f"{po_path}:{topic_line}: faq.topic_entries: placeholders ['tema']")
        for e in result.errors
    )
    assert any(
        e.startswith(f"{po_path}:{sms_line}: welcome_sms: too long for SMS: 2 segments")
        for e in result.errors
    )
    assert (locales_dir / "bm.yaml").read_text(encoding="utf-8") == before  # nothing written


def test_the_cli_exports_imports_and_reports(
    tmp_path: Path, locales_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    po_path = tmp_path / "bm.po"
    assert main(["i18n", "export", "--lang", "bm", "--output", str(po_path),
                 "--locales", str(locales_dir)]) == 0  # fmt: skip
    po = polib.pofile(str(po_path))
    _entry(po, "more.nothing").msgstr = "Foyi tɛ {nothing}"
    po.save(str(po_path))
    assert main(["i18n", "import", str(po_path), "--locales", str(locales_dir)]) == 1
    out = capsys.readouterr().out
    assert "more.nothing: placeholders ['nothing']" in out and "nothing was imported" in out
    csv_path = tmp_path / "bm.csv"
    assert main(["i18n", "export", "--lang", "bm", "--format", "csv", "--output",
                 str(csv_path), "--locales", str(locales_dir)]) == 0  # fmt: skip
    assert "welcome_sms" in csv_path.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["i18n", "status", "--json", "--locales", str(locales_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bm"]["strings"]["reviewed"] == 0
    assert report["bm"]["strings"]["translated"] >= len(CORE_KEYS)
    assert report["bm"]["faq"] == {"total": report["fr"]["faq"]["total"], "translated": 0,
                                   "reviewed": 0}  # fmt: skip
    assert report["bm"]["offered"] is False and report["fr"]["offered"] is True


def test_a_csv_row_signed_by_a_reviewer_is_reviewed(tmp_path: Path, locales_dir: Path) -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(export_csv(Locales.load(locales_dir), "bm"))))
    row = next(r for r in rows if r["key"] == "greeting_back")
    row.update(translation=NEW_GREETING, status="reviewed", reviewer="Test Reviewer")
    path = tmp_path / "bm.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(row)
    assert import_file(path, language="bm", locales_dir=locales_dir).reviewed == 1
    translation = Locales.load(locales_dir).packs["bm"].strings["greeting_back"]
    assert (translation.text, translation.is_reviewed) == (NEW_GREETING, True)


def test_kb_check_refuses_colliding_keywords_and_over_budget_packs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(LOCALES_DIR.parent, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    assert main(["kb", "check", "--dir", str(root)]) == 0
    pack = root / "locales" / "bm.yaml"
    text = pack.read_text(encoding="utf-8")
    text = text.replace("  - kanw\n", "  - kanw\n  - menu\n")  # LANGUE's word = MENU's
    text = text.replace(
        "text: 'A sɛbɛnna: i tɛna nin cikanw sɔrɔ.'", "text: '" + "A sɛbɛnna. " * 20 + "'"
    )
    pack.write_text(text, encoding="utf-8")
    assert main(["kb", "check", "--dir", str(root)]) == 1
    out = capsys.readouterr().out
    assert "bm.yaml: keywords.langue: 'menu' is already the command 'menu'" in out
    assert "bm.yaml: subscriptions.family.declined: too long for SMS" in out


def _with_content(locales_dir: Path, key: str, text: str, *, reviewed: bool) -> Locales:
    from knowledge.locales import Translation
    from knowledge.translations import write_pack

    pack = Locales.load(locales_dir).packs["bm"]
    status = ("reviewed", "Test Reviewer", "2026-11-29") if reviewed else ("draft", None, None)
    content = {**pack.content, key: Translation(text, *status)}
    write_pack(replace(pack, content=content), pack.path)
    return Locales.load(locales_dir, languages=("fr", "en", "bm"), drafts=True)


def test_awareness_messages_in_bambara_once_reviewed(locales_dir: Path) -> None:
    from knowledge.awareness import series

    message = series().message(1)
    assert message is not None
    key = f"awareness.{series().id}.{message.id}.sms"
    draft = _with_content(locales_dir, key, "Dɔgɔkun o dɔgɔkun cikan kelen.", reviewed=False)
    hidden = Locales.load(locales_dir, languages=("fr", "en", "bm"))
    assert message.for_channel("sms", "bm", locales=hidden) == message.sms["fr"]
    assert message.for_channel("sms", "bm", locales=draft) == "Dɔgɔkun o dɔgɔkun cikan kelen."
    reviewed = _with_content(locales_dir, key, "Dɔgɔkun o dɔgɔkun cikan kelen.", reviewed=True)
    shown = replace(reviewed, drafts=False)
    assert message.for_channel("sms", "bm", locales=shown) == "Dɔgɔkun o dɔgɔkun cikan kelen."


async def test_an_faq_answer_in_bambara_once_reviewed(
    locales_dir: Path, db, knowledge, config
) -> None:
    entry = knowledge.faq.entries["bot_language"]
    locales = _with_content(
        locales_dir, "faq.bot_language.answer", "LANGUE sɛbɛn ka kan sugandi.", reviewed=True
    )
    chat = Chat(Conversation(db, replace(knowledge, locales=locales), config))
    await chat.say("LANGUE bm")
    assert "LANGUE sɛbɛn ka kan sugandi." in await chat.say("FAQ bot_language")
    other = await chat.say("FAQ bot_stop")  # not translated: French
    assert knowledge.faq.entries["bot_stop"].answer["fr"].strip()[:40] in other
    assert entry.answer["fr"].strip()[:40] not in await chat.say("FAQ bot_language")


# --- session 4, issue-18 ------------------------------------------------------------------------


def test_bambara_drafts_cover_the_conversation_of_issue_18(capsys) -> None:
    """Every string of the menus, registration (forum editions too), subscriptions, small talk
    and first contact has a Bambara draft; none is reviewed; `i18n status` says so by area."""
    assert main(["i18n", "status", "--json"]) == 0
    bm = json.loads(capsys.readouterr().out)["bm"]
    for area in ("menu", "registration", "editions", "subscriptions", "conversations", "help"):
        counts = bm["areas"][area]
        assert counts["translated"] == counts["total"] and counts["reviewed"] == 0, area
    assert main(["i18n", "status"]) == 0
    out = capsys.readouterr().out
    assert "registration 50/0/50" in out and "subscriptions 23/0/23" in out


def test_every_bambara_sms_string_keeps_its_french_budget() -> None:
    """What an import would refuse, kb check refuses for a pack edited by hand: nothing here."""
    locales = Locales.load(languages=("fr", "en", "bm", "snk"), drafts=True)
    assert pack_problems(locales) == []
    assert locales.problems() == []


def test_bambara_awareness_drafts_reach_only_reviewers(capsys) -> None:
    first = awareness.series("irregular_migration").message(1)
    assert first is not None
    reviewers = Locales.load(languages=("fr", "en", "bm"), drafts=True)
    public = Locales.load(languages=("fr", "en", "bm"))
    sms = first.for_channel("sms", "bm", locales=reviewers)
    assert sms.startswith("Dɔgɔkun o dɔgɔkun, cikan kelen tunkanataama kan.")
    assert segments(transliterate(sms)).segments == 1 and is_gsm7(transliterate(sms))
    assert first.for_channel("sms", "bm", locales=public) == first.sms["fr"]  # not reviewed
    assert first.for_channel("telegram", "bm", locales=reviewers) == first.text["fr"].strip()
    assert main(["i18n", "status"]) == 0
    assert "DRAFTS, not reviewed (shown only with LANGUAGE_DRAFTS=true)" in capsys.readouterr().out
