"""FAQ entries and topics as the bot uses them, read from `knowledge/faq/<topic>.yaml`.

Loading is lenient: a half-written entry is skipped with a warning instead of stopping the bot;
`kb check` (faq_check.py) is where such mistakes are reported and fail CI.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.gsm7 import sendable_length, transliterate
from knowledge.yamlfile import read_yaml

logger = logging.getLogger(__name__)

FAQ_DIR = Path(__file__).parent / "faq"
# Subjects near the FAQ's that it does not answer (exchange rates, weather, homework...).
OFF_TOPIC_FILE = Path(__file__).parent / "off_topic.yaml"
LANGUAGES = ("fr", "en")

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*[-*•]\s*", re.MULTILINE)

# An FAQ's SMS answer fits two concatenated segments (2 x 153 GSM-7 characters), with room.
SMS_LIMIT = 300


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    title: dict[str, str]
    questions: dict[str, list[str]]
    keywords: dict[str, list[str]]
    answer: dict[str, str]
    sms: dict[str, str]  # given in the file, or derived from the answer's first sentences
    source: str
    reviewed: str
    related: tuple[str, ...] = ()
    forum: str | None = None
    # "answer" (facts from the sources) or "pointer": what the sources cannot answer, pointed to
    # the body they name for it, with a counsellor offered (docs/knowledge.md, "Pointers").
    kind: str = "answer"
    urgent: bool = False  # a pointer that also opens an urgent counsellor request
    # An urgent pointer's entry for someone who only plans to leave ("mon fils veut traverser
    # la mer"): the risks, not an urgent request (handlers/faq.py, vocabulary.leaving_plan).
    for_plans: str | None = None
    as_of: int | None = None  # the year the entry's changeable facts were true, per its source
    # Sentences of the answers that are advice, not facts from a source, per language: listed
    # for the ministry's reviewer by `kb check --guidance`.
    guidance: dict[str, list[str]] = field(default_factory=dict)

    # The dict fields are not hashable; an entry is identified by its id.
    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Topic:
    id: str
    title: dict[str, str]
    entry_ids: tuple[str, ...]


def derive_sms(answer: str, limit: int = SMS_LIMIT) -> str:
    """The answer's first whole sentences that fit in `limit` GSM-7 characters."""
    text = _BULLET.sub("", answer.strip())
    sentences = [_SPACES.sub(" ", s).strip() for s in _SENTENCE_END.split(text)]
    kept = ""
    for sentence in filter(None, sentences):
        candidate = f"{kept} {sentence}".strip()
        if sendable_length(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    # A first sentence longer than an SMS: cut at a word, and say so.
    words = _SPACES.sub(" ", text).split(" ")
    for end in range(len(words), 0, -1):
        candidate = " ".join(words[:end]) + "..."
        if sendable_length(candidate) <= limit:
            return candidate
    return transliterate(text)[: limit - 3] + "..."


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v).strip() for k, v in value.items() if isinstance(v, str | int | float)}


def _lists(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, list[str]] = {}
    for lang, items in value.items():
        if isinstance(items, list):
            out[str(lang)] = [str(i) for i in items if isinstance(i, str | int | float)]
        elif isinstance(items, str):
            out[str(lang)] = [items]
    return out


def entry_from_dict(raw: dict[str, Any], topic_id: str) -> Entry:
    answer = _texts(raw.get("answer"))
    sms = _texts(raw.get("sms"))
    for lang, text in answer.items():
        if not sms.get(lang):
            sms[lang] = derive_sms(text)
    related = raw.get("related") or ()
    forum = raw.get("forum")
    return Entry(
        id=str(raw["id"]),
        topic=topic_id,
        title=_texts(raw.get("title")),
        questions=_lists(raw.get("questions")),
        keywords=_lists(raw.get("keywords")),
        answer=answer,
        sms=sms,
        source=str(raw.get("source") or ""),
        reviewed=str(raw.get("reviewed") or ""),
        related=tuple(str(r) for r in related) if isinstance(related, list) else (),
        forum=str(forum) if forum else None,
        kind=str(raw.get("kind") or "answer"),
        urgent=raw.get("urgent") is True,
        for_plans=str(raw["for_plans"]) if raw.get("for_plans") else None,
        as_of=raw["as_of"] if isinstance(raw.get("as_of"), int) else None,
        guidance=_lists(raw.get("guidance")),
    )


def faq_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_faq(directory: Path | None = None) -> tuple[list[Topic], dict[str, Entry]]:
    """Every topic and entry under `directory`, in file order; broken parts skipped."""
    directory = FAQ_DIR if directory is None else Path(directory)
    topics: list[Topic] = []
    entries: dict[str, Entry] = {}
    for path in faq_files(directory):
        try:
            data = read_yaml(path)
        except (OSError, yaml.YAMLError) as exc:
            logger.warning("skipping %s: %s", path.name, exc)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("topic"), dict):
            logger.warning("skipping %s: no topic", path.name)
            continue
        topic_raw = data["topic"]
        topic_id = str(topic_raw.get("id") or path.stem)
        ids: list[str] = []
        for raw in data.get("entries") or ():
            if not isinstance(raw, dict) or not raw.get("id"):
                logger.warning("%s: skipping an entry without id", path.name)
                continue
            entry = entry_from_dict(raw, topic_id)
            if entry.id in entries:
                logger.warning("%s: duplicate id %s skipped", path.name, entry.id)
                continue
            entries[entry.id] = entry
            ids.append(entry.id)
        topics.append(Topic(topic_id, _texts(topic_raw.get("title")), tuple(ids)))
    return topics, entries


def load_off_topic(path: Path = OFF_TOPIC_FILE) -> list[str]:
    """The phrasings of off_topic.yaml, every language together (none if the file is absent)."""
    if not path.is_file():
        return []
    raw = read_yaml(path) or {}
    return [str(text) for lang in LANGUAGES for text in raw.get(lang) or ()]
