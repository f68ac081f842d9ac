"""Validation of the FAQ files, for `diaspora-bot kb check` and CI.

The loader (faq_entries.py) is lenient so that a typo never stops the bot; this is where the typo
is reported. Each problem is one line, `file: entry: problem`, so ministry staff editing the YAML
can find it without reading code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from knowledge.faq_entries import LANGUAGES, SMS_LIMIT, derive_sms, faq_files, read_yaml
from knowledge.gsm7 import is_gsm7, sendable_length, transliterate
from knowledge.normalise import normalise
from knowledge.openers import opener_problem

MIN_QUESTIONS = 5
ENTRY_KEYS = frozenset(
    {
        "id",
        "title",
        "questions",
        "keywords",
        "answer",
        "sms",
        "source",
        "reviewed",
        "related",
        "forum",
        "kind",
        "urgent",
        "for_plans",
        "as_of",
        "guidance",
    }
)
KINDS = ("answer", "pointer")
# A figure: any digit. Law numbers and dates count too: laws are amended, dates go stale.
_FIGURE = re.compile(r"\d")
# What a pointer must never hold (a phone number, a fee, an address) and guidance must never state.
_CONTACT = re.compile(r"\d|@|https?://|www\.", re.IGNORECASE)
_LAW = re.compile(
    r"\b(loi|law|décret|decree|ordonnance|order no|article|art\.|code\b)", re.IGNORECASE
)
REQUIRED_TEXTS = ("title", "answer")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE_LEVEL = "-"  # stands for the entry in messages about a whole file


def check_faq(directory: Path, forum_ids: Iterable[str] | None = None) -> list[str]:
    """Every problem in the FAQ files of `directory`, as `file: entry: problem` lines.

    `forum_ids`, when given, are the ids in forums.yaml that an entry's `forum:` may name.
    """
    directory = Path(directory)
    problems: list[str] = []
    files = faq_files(directory) if directory.is_dir() else []
    if not files:
        return [f"{directory}: {_FILE_LEVEL}: no FAQ files"]
    seen: dict[str, str] = {}  # entry id -> file it was first defined in
    related: list[tuple[str, str, str]] = []  # (file, entry, related id)
    variants: dict[str, tuple[str, str]] = {}  # normalised question -> (file, entry)
    topic_ids: dict[str, str] = {}
    forums = None if forum_ids is None else frozenset(forum_ids)
    for path in files:
        name = path.name

        def report(entry: str, problem: str, name: str = name) -> None:
            problems.append(f"{name}: {entry}: {problem}")

        try:
            data = read_yaml(path)
        except (OSError, yaml.YAMLError) as exc:
            report(_FILE_LEVEL, f"not valid YAML: {_one_line(exc)}")
            continue
        if not isinstance(data, dict):
            report(_FILE_LEVEL, "expected a mapping with 'topic' and 'entries'")
            continue
        _check_topic(data.get("topic"), report, topic_ids, name)
        entries = data.get("entries")
        if not isinstance(entries, list) or not entries:
            report(_FILE_LEVEL, "'entries' must be a non-empty list")
            continue
        for position, raw in enumerate(entries, start=1):
            if not isinstance(raw, dict):
                report(f"#{position}", "an entry must be a mapping")
                continue
            entry_id = raw.get("id")
            if not isinstance(entry_id, str) or not _ID.match(entry_id):
                report(f"#{position}", f"id {entry_id!r} must be lower_snake_case")
                entry_id = f"#{position}"
            elif entry_id in seen:
                report(entry_id, f"duplicate id (also in {seen[entry_id]})")
            else:
                seen[entry_id] = name
            for problem in _entry_problems(raw, forums):
                report(entry_id, problem)
            plans = [raw["for_plans"]] if raw.get("for_plans") else []
            for rel in [*(raw.get("related") or []), *plans]:
                related.append((name, entry_id, str(rel)))
            for problem in _shared_variants(raw, entry_id, name, variants):
                report(entry_id, problem)
    for name, entry_id, rel in related:
        if rel == entry_id:
            problems.append(f"{name}: {entry_id}: related to itself")
        elif rel not in seen:
            problems.append(f"{name}: {entry_id}: related id {rel!r} does not exist")
    return problems


def _check_topic(topic: Any, report: Any, topic_ids: dict[str, str], name: str) -> None:
    if not isinstance(topic, dict):
        report(_FILE_LEVEL, "missing 'topic' (id and title)")
        return
    topic_id = topic.get("id")
    if not isinstance(topic_id, str) or not _ID.match(topic_id):
        report(_FILE_LEVEL, f"topic id {topic_id!r} must be lower_snake_case")
    elif topic_id in topic_ids:
        report(_FILE_LEVEL, f"duplicate topic id {topic_id!r} (also in {topic_ids[topic_id]})")
    else:
        topic_ids[topic_id] = name
    for lang in _missing_languages(topic.get("title")):
        report(_FILE_LEVEL, f"topic title: missing language {lang}")


def _entry_problems(raw: dict[str, Any], forums: frozenset[str] | None) -> list[str]:
    problems = [f"unknown field {key!r}" for key in raw if key not in ENTRY_KEYS]
    for field in REQUIRED_TEXTS:
        problems += [
            f"{field}: missing language {lang}" for lang in _missing_languages(raw.get(field))
        ]
    questions = raw.get("questions")
    for lang in LANGUAGES:
        items = questions.get(lang) if isinstance(questions, dict) else None
        if not isinstance(items, list) or not items:
            problems.append(f"questions: missing language {lang}")
        elif len([q for q in items if isinstance(q, str) and q.strip()]) < MIN_QUESTIONS:
            problems.append(f"questions: {len(items)} in {lang}, at least {MIN_QUESTIONS} needed")
    keywords = raw.get("keywords")
    if keywords is not None and not (
        isinstance(keywords, dict) and all(isinstance(v, list) for v in keywords.values())
    ):
        problems.append("keywords: expected lists per language")
    problems += _sms_problems(raw)
    problems += _opener_problems(raw)
    problems += _kind_problems(raw)
    problems += _guidance_problems(raw)
    problems += _as_of_problems(raw)
    for field in ("source", "reviewed"):
        if not raw.get(field):
            problems.append(f"missing {field}")
    reviewed = raw.get("reviewed")
    if reviewed and not (isinstance(reviewed, dt.date) or _DATE.match(str(reviewed))):
        problems.append(f"reviewed {reviewed!r} is not a date (YYYY-MM-DD)")
    related = raw.get("related")
    if related is not None and not isinstance(related, list):
        problems.append("related: expected a list of ids")
    forum = raw.get("forum")
    if forum is not None and forums is not None and str(forum) not in forums:
        problems.append(f"forum {forum!r} does not exist in forums.yaml")
    return problems


def _sms_problems(raw: dict[str, Any]) -> list[str]:
    problems = []
    sms = raw.get("sms") if isinstance(raw.get("sms"), dict) else {}
    answer = raw.get("answer") if isinstance(raw.get("answer"), dict) else {}
    for lang in LANGUAGES:
        given = sms.get(lang)
        text = str(given) if given else derive_sms(str(answer.get(lang) or ""))
        origin = "sms" if given else "derived sms"
        if not is_gsm7(transliterate(text)):
            problems.append(f"{origin} {lang}: not GSM-7 even transliterated (costs 3x more)")
        length = sendable_length(text)
        if length > SMS_LIMIT:
            problems.append(
                f"{origin} {lang}: {length} GSM-7 characters, at most {SMS_LIMIT} allowed"
            )
    return problems


def _opener_problems(raw: dict[str, Any]) -> list[str]:
    """An answer or SMS that opens with a bare yes/no reads backwards for a negated question."""
    problems = []
    answer = raw.get("answer") if isinstance(raw.get("answer"), dict) else {}
    sms = raw.get("sms") if isinstance(raw.get("sms"), dict) else {}
    for lang in LANGUAGES:
        texts = {"answer": str(answer.get(lang) or "")}
        texts["sms" if sms.get(lang) else "derived sms"] = str(
            sms.get(lang) or derive_sms(texts["answer"])
        )
        for origin, text in texts.items():
            problem = opener_problem(text)
            if problem:
                problems.append(f"{origin} {lang}: {problem}")
    return problems


def _texts_of(raw: dict[str, Any], lang: str) -> dict[str, str]:
    """The answer and the SMS (given or derived) of one language, by name."""
    answer = raw.get("answer") if isinstance(raw.get("answer"), dict) else {}
    sms = raw.get("sms") if isinstance(raw.get("sms"), dict) else {}
    full = str(answer.get(lang) or "")
    return {"answer": full, "sms": str(sms.get(lang) or derive_sms(full))}


def _kind_problems(raw: dict[str, Any]) -> list[str]:
    kind = raw.get("kind", "answer")
    if kind not in KINDS:
        return [f"kind {kind!r} must be one of {', '.join(KINDS)}"]
    problems = []
    if raw.get("urgent") is not None and not isinstance(raw.get("urgent"), bool):
        problems.append("urgent must be true or false")
    if raw.get("urgent") and kind != "pointer":
        problems.append("urgent is for pointers (kind: pointer)")
    if kind == "pointer":
        # A pointer is there because the sources do not have the answer: any number, e-mail or
        # web address in it would be invented (a phone number, a fee, an address).
        for lang in LANGUAGES:
            for origin, text in _texts_of(raw, lang).items():
                if _CONTACT.search(text):
                    problems.append(
                        f"{origin} {lang}: a pointer holds no number, e-mail or web address"
                    )
    return problems


def _guidance_problems(raw: dict[str, Any]) -> list[str]:
    """Guidance is advice, not a fact: it must be an exact sentence of the answer and state no
    figure or law (those need a source, so they belong to the facts)."""
    guidance = raw.get("guidance")
    if guidance is None:
        return []
    if not isinstance(guidance, dict) or not all(isinstance(v, list) for v in guidance.values()):
        return ["guidance: expected lists of sentences per language"]
    problems = []
    for lang, sentences in guidance.items():
        texts = _texts_of(raw, str(lang))
        for sentence in sentences:
            sentence = str(sentence)
            if _FIGURE.search(sentence):
                problems.append(f"guidance {lang}: {sentence!r} states a figure")
            if _LAW.search(sentence):
                problems.append(f"guidance {lang}: {sentence!r} names a law")
            if not any(sentence in " ".join(text.split()) for text in texts.values()):
                problems.append(f"guidance {lang}: {sentence!r} is not a sentence of the answer")
    return problems


def _as_of_problems(raw: dict[str, Any]) -> list[str]:
    """A figure (a count, a share, an amount, a law's number or date) says when it held."""
    as_of = raw.get("as_of")
    if as_of is not None and not (
        isinstance(as_of, int) and not isinstance(as_of, bool) and 1900 <= as_of <= 2100
    ):
        return [f"as_of {as_of!r} must be a year (YYYY)"]
    if as_of is not None:
        return []
    for lang in LANGUAGES:
        for origin, text in _texts_of(raw, lang).items():
            if _FIGURE.search(text):
                return [f"{origin} {lang} holds a figure: as_of (the year it held) is required"]
    return []


def guidance_sentences(directory: Path) -> list[tuple[str, str, str, str]]:
    """(file, entry, language, sentence) for every guidance sentence: `kb check --guidance`."""
    found = []
    for path in faq_files(Path(directory)):
        try:
            data = read_yaml(path)
        except (OSError, yaml.YAMLError):
            continue
        for raw in (data or {}).get("entries") or []:
            guidance = raw.get("guidance") if isinstance(raw, dict) else None
            for lang, sentences in (guidance or {}).items():
                for sentence in sentences or []:
                    found.append((path.name, str(raw.get("id")), str(lang), str(sentence)))
    return found


def _shared_variants(
    raw: dict[str, Any], entry_id: str, name: str, variants: dict[str, tuple[str, str]]
) -> list[str]:
    """The same question listed under two entries makes the match a coin toss."""
    problems = []
    questions = raw.get("questions") if isinstance(raw.get("questions"), dict) else {}
    for items in questions.values():
        for question in items if isinstance(items, list) else ():
            key = normalise(str(question))
            other = variants.setdefault(key, (name, entry_id))
            if other[1] != entry_id:
                problems.append(f"question {question!r} is also a question of {other[1]}")
    return problems


def _missing_languages(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return list(LANGUAGES)
    return [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
