"""Forums people can register for, from `knowledge/forums.yaml`: loaded, validated, queried.

forums.yaml describes each forum (names, past editions, the data asked at registration). An
edition's dates, place and capacity are not in the file: staff open an edition with
`diaspora-bot forum open` (storage.forum_editions), and `Forum.with_edition` gives the forum as
registration sees it then. A forum without an open edition takes no registration.

Pure module: dataclasses and checks, no database. `check_forums(path)` lists every problem as
`forums.yaml: <forum or field>: <problem>` for `diaspora-bot kb check`; `load_forums` refuses a
file with problems, so a bad edit stops the bot at start rather than mid-conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from knowledge.gsm7 import segments, transliterate
from knowledge.locales import SourceTexts
from knowledge.text import fold
from knowledge.yamlfile import read_yaml

FORUMS_FILE = Path(__file__).parent / "forums.yaml"
LANGUAGES = ("fr", "en")
FIELD_TYPES = ("name", "country", "text", "contact", "choice")
_ID = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_PREFIX = re.compile(r"^[A-Z]{2,5}$")
DEFAULT_TIMEZONE = "Africa/Bamako"
# What belongs to an edition that staff open, never to the description file.
EDITION_KEYS = (
    "starts_on",
    "ends_on",
    "place",
    "registration_opens",
    "registration_closes",
    "capacity",
    "dates_confirmed",
)
NO_EDITION = date.max  # the dates of a forum with no open edition: never reached


class ForumsError(ValueError):
    """forums.yaml has problems; the message lists them all."""


@dataclass(frozen=True)
class Choice:
    id: str
    label: dict[str, str]
    sms: dict[str, str]  # a shorter label for SMS; the label itself when none is given

    def matches(self, folded: str) -> bool:
        """Whether a folded answer names this choice: its id or a label in any language."""
        names = {self.id.replace("_", " "), *self.label.values(), *self.sms.values()}
        return folded in {fold(n) for n in names} or folded == self.id


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    optional: bool
    label: dict[str, str]
    prompt: dict[str, str]
    choices: tuple[Choice, ...] = ()

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Forum:
    id: str
    code_prefix: str
    short_name: dict[str, str]
    name: dict[str, str]
    description: dict[str, str]
    fields: tuple[str, ...]
    starts_on: date = NO_EDITION
    ends_on: date = NO_EDITION
    place: dict[str, str] = field(default_factory=dict)
    registration_opens: date = NO_EDITION
    registration_closes: date = NO_EDITION
    capacity: int = 0
    dates_confirmed: bool = False
    timezone: str = DEFAULT_TIMEZONE
    edition_open: bool = False  # staff opened an edition: its dates, place, capacity above
    edition_id: int = 0  # the forum_editions row those come from (0: none recorded)

    def with_edition(
        self,
        starts_on: date,
        ends_on: date,
        place: str,
        capacity: int,
        opened_on: date,
        edition_id: int = 0,
    ) -> Forum:
        """The forum with the edition staff opened: registration from the day it was opened to
        the first day of the forum included, then reminders on the confirmed dates."""
        return replace(
            self,
            edition_id=edition_id,
            starts_on=starts_on,
            ends_on=ends_on,
            place=SourceTexts({lang: place for lang in LANGUAGES}),
            registration_opens=min(opened_on, starts_on),
            registration_closes=starts_on,
            capacity=capacity,
            dates_confirmed=True,
            edition_open=True,
        )

    def local_date(self, now: datetime) -> date:
        """Today where the forum takes place: registration windows and reminders count in it."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def is_open(self, now: datetime) -> bool:
        if not self.edition_open:
            return False
        return self.registration_opens <= self.local_date(now) <= self.registration_closes

    def days_until(self, now: datetime) -> int:
        return (self.starts_on - self.local_date(now)).days


@dataclass(frozen=True)
class Forums:
    forums: dict[str, Forum]  # in file order
    fields: dict[str, Field]
    problems: tuple[str, ...] = field(default=())

    def get(self, forum_id: str) -> Forum | None:
        return self.forums.get(forum_id)

    def open_forums(self, now: datetime) -> list[Forum]:
        return [f for f in self.forums.values() if f.is_open(now)]

    def fields_of(self, forum: Forum) -> list[Field]:
        return [self.fields[name] for name in forum.fields]

    def replace_forum(self, forum: Forum) -> Forums:
        """A copy with `forum` changed (tests, and staff tools that preview a change)."""
        return Forums({**self.forums, forum.id: forum}, self.fields, self.problems)


def load_forums(path: Path = FORUMS_FILE) -> Forums:
    """The forums of `path`; raises ForumsError listing every problem."""
    forums = _parse(path)
    if forums.problems:
        raise ForumsError("\n".join(forums.problems))
    return forums


def check_forums(path: Path = FORUMS_FILE) -> list[str]:
    """Every problem of `path`, as 'forums.yaml: <forum>: <problem>'; empty when all is well."""
    return list(_parse(path).problems)


# --- parsing and validation -------------------------------------------------------------------


class _Problems:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{self.filename}: {where}: {problem}")


def _texts(raw: Any, where: str, key: str, problems: _Problems) -> dict[str, str]:
    """A {fr, en} text; a problem for each missing or empty language."""
    if not isinstance(raw, dict):
        problems.add(where, f"{key} must have fr and en texts")
        return {lang: "" for lang in LANGUAGES}
    texts = {}
    for lang in LANGUAGES:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            problems.add(where, f"{key}.{lang} is missing")
            value = ""
        texts[lang] = value.strip() if isinstance(value, str) else ""
    return SourceTexts(texts)


def _parse_field(name: str, raw: Any, problems: _Problems) -> Field:
    where = f"fields.{name}"
    if not isinstance(raw, dict):
        problems.add(where, "must be a mapping")
        raw = {}
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        problems.add(where, f"type must be one of {', '.join(FIELD_TYPES)} (got {kind!r})")
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        problems.add(where, "optional must be true or false")
        optional = False
    prompt = _texts(raw.get("prompt"), where, "prompt", problems)
    for lang, text in prompt.items():
        info = segments(transliterate(text))
        if text and (info.encoding != "GSM-7" or info.segments > 1):
            problems.add(
                where,
                f"prompt.{lang} must fit one GSM-7 SMS segment "
                f"({info.units} {info.encoding} units, {info.segments} segments)",
            )
    choices: list[Choice] = []
    raw_choices = raw.get("choices") or []
    if kind == "choice" and not raw_choices:
        problems.add(where, "a choice field needs choices")
    seen: set[str] = set()
    for i, item in enumerate(raw_choices):
        item = item if isinstance(item, dict) else {}
        choice_id = item.get("id")
        if not isinstance(choice_id, str) or not _ID.match(choice_id):
            problems.add(where, f"choice {i + 1}: id must be lower_snake_case")
            choice_id = f"choice_{i + 1}"
        if choice_id in seen:
            problems.add(where, f"choice {choice_id!r} appears twice")
        seen.add(choice_id)
        label = _texts(item.get("label"), f"{where}.{choice_id}", "label", problems)
        sms = _texts(item["sms"], f"{where}.{choice_id}", "sms", problems) if "sms" in item else {}
        sms_label = SourceTexts({**label, **{k: v for k, v in sms.items() if v}})
        choices.append(Choice(choice_id, label, sms_label))
    return Field(
        id=name,
        type=kind if kind in FIELD_TYPES else "text",
        optional=optional,
        label=_texts(raw.get("label"), where, "label", problems),
        prompt=prompt,
        choices=tuple(choices),
    )


def _parse_forum(raw: Any, i: int, fields: dict[str, Field], problems: _Problems) -> Forum | None:
    if not isinstance(raw, dict):
        problems.add(f"forum {i + 1}", "must be a mapping")
        return None
    forum_id = raw.get("id")
    if not isinstance(forum_id, str) or not _ID.match(forum_id):
        problems.add(f"forum {i + 1}", f"id must be lower_snake_case (got {forum_id!r})")
        return None
    where = forum_id
    prefix = raw.get("code_prefix")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        problems.add(where, "code_prefix must be 2 to 5 capital letters")
        prefix = "XX"
    for key in EDITION_KEYS:
        if key in raw:
            # No source announces a coming edition: dates in this file would be invented, and
            # a forum with dates here looked open. Staff open an edition instead.
            problems.add(
                where,
                f"{key} belongs to an edition: staff open one with "
                "`diaspora-bot forum open ID --starts ... --ends ... --place ... --capacity N`",
            )
    timezone = raw.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(where, f"timezone {timezone!r} is not a known time zone (e.g. Africa/Bamako)")
        timezone = DEFAULT_TIMEZONE
    names = raw.get("fields")
    if not isinstance(names, list) or not names:
        problems.add(where, "fields must list the data asked, e.g. [name, country, contact]")
        names = []
    for name in names:
        if name not in fields:
            problems.add(where, f"field {name!r} is not defined in the fields section")
    if len(set(names)) != len(names):
        problems.add(where, "a field is listed twice")
    if "name" not in names:
        problems.add(where, "fields must include name (it goes on the badge)")
    return Forum(
        id=forum_id,
        code_prefix=prefix,
        short_name=_texts(raw.get("short_name"), where, "short_name", problems),
        name=_texts(raw.get("name"), where, "name", problems),
        description=_texts(raw.get("description"), where, "description", problems),
        fields=tuple(n for n in names if n in fields),
        timezone=str(timezone),
    )


def _parse(path: Path) -> Forums:
    problems = _Problems(path.name)
    try:
        data = read_yaml(path) or {}
    except (OSError, yaml.YAMLError) as exc:
        problems.add("file", f"cannot be read: {exc}")
        return Forums({}, {}, tuple(problems.items))
    if not isinstance(data, dict):
        problems.add("file", "must be a mapping with forums and fields")
        return Forums({}, {}, tuple(problems.items))
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict):
        problems.add("fields", "must be a mapping of field name to definition")
        raw_fields = {}
    fields = {name: _parse_field(name, raw, problems) for name, raw in raw_fields.items()}
    forums: dict[str, Forum] = {}
    prefixes: dict[str, str] = {}
    for i, raw in enumerate(data.get("forums") or []):
        forum = _parse_forum(raw, i, fields, problems)
        if forum is None:
            continue
        if forum.id in forums:
            problems.add(forum.id, "id appears twice")
        if forum.code_prefix in prefixes:
            # Codes of two forums must never collide: the prefix is what keeps them apart.
            other = prefixes[forum.code_prefix]
            problems.add(forum.id, f"code_prefix {forum.code_prefix} is also {other}'s")
        prefixes.setdefault(forum.code_prefix, forum.id)
        forums[forum.id] = forum
    if not forums:
        problems.add("forums", "no forum is defined")
    return Forums(forums, fields, tuple(problems.items))
