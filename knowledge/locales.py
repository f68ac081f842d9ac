"""UI strings per language, from `knowledge/locales/<lang>.yaml`; a new language is a new file.

Two kinds of file (docs/translating.md):

- a *source* language (fr.yaml, en.yaml): a tree of texts written by the ministry's staff, reviewed
  by definition. Keys are dotted paths into the YAML ("menu.title").
- a *translated pack* (bm.yaml, snk.yaml): a `meta` block naming the language and its fallback, and
  under `strings` each key with its text and review status: `{text, status: draft|reviewed,
  reviewer, reviewed: YYYY-MM-DD}`. People see a translated string only once it is reviewed
  (drafts too where `drafts` is on: reviewers, the simulator). The same file holds translations of
  FAQ answers (`faq.<entry id>.<field>`) and awareness messages (`awareness.<series>.<id>.<field>`)
  under `content`, with the same statuses.

A string missing in a language, or not yet reviewed, comes from the language's fallback (bm and
snk fall back to French, English to French): `resolve` says which language answered, so the
conversation can tell the person once that some answers come in French.

Only the languages listed in the LANGUAGES setting, with enough reviewed strings to hold a
conversation (every key of CORE_KEYS), are offered: chosen in LANGUE, hinted by Telegram, detected.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from babel import UnknownLocaleError
from babel.dates import format_date

from knowledge.text import fold
from knowledge.yamlfile import read_yaml

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "fr"
DEFAULT_LANGUAGES = ("fr", "en")
DATE_PATTERN = "d MMMM y"  # a forum's day as people write it: day, month's name, year
STATUSES = ("draft", "reviewed")

# The strings of a first conversation: the first-contact line and the greetings (issue 13's: the
# old `welcome` texts are no longer said), menu, help, choosing a language, the FAQ's "I am not
# sure" and "I do not know", stopping. A translated language is offered only when every one of
# them is reviewed: a person who chose Bambara must not be greeted in Bambara and then find the
# menu itself in French. The threshold is "all of these", not a percentage, because a percentage
# can be reached with strings nobody sees first.
CORE_KEYS = (
    "conversations.first_contact",
    "conversations.first_contact_sms",
    "conversations.small_talk.greeting",
    "greeting_back",
    "menu.title",
    "menu.questions",
    "menu.language",
    "help",
    "language.choose",
    "language.set",
    "faq.none",
    "faq.unsure",
    "stop.done",
)


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if not isinstance(key, str):  # YAML 1.1 reads a bare `yes:` or `no:` key as a boolean
            raise ValueError(f"UI string key {prefix}{key!r} is not text: quote it")
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


@dataclass(frozen=True)
class Translation:
    """One translated text and whether a native speaker has reviewed it."""

    text: str
    status: str = "draft"
    reviewer: str | None = None
    reviewed: str | None = None  # YYYY-MM-DD

    @property
    def is_reviewed(self) -> bool:
        return self.status == "reviewed" and bool(self.reviewer)

    def to_yaml(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "status": self.status,
            "reviewer": self.reviewer,
            "reviewed": self.reviewed,
        }


@dataclass(frozen=True)
class Pack:
    """A translated language: its file's `meta`, its strings and content, each with a status."""

    language: str
    meta: dict[str, Any]
    strings: dict[str, Translation]  # UI string key -> translation
    content: dict[str, Translation]  # "faq.<id>.answer", "awareness.<series>.<id>.sms" -> ...
    keywords: dict[str, list[str]]  # a command word of the bot ("menu") -> words in this language
    path: Path | None = None
    # Words people type to answer yes / no / leave a flow ("yes": [awɔ, awo]): read, never
    # shown, so they carry no review status; they count where the language is offered, and
    # everywhere while LANGUAGE_DRAFTS is on (knowledge/words.py).
    vocabulary: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fallback(self) -> str:
        return str(self.meta.get("fallback") or DEFAULT_LANGUAGE)

    def usable(self, drafts: bool) -> dict[str, str]:
        """The strings people may see: reviewed ones, and drafts too when `drafts`."""
        return {k: t.text for k, t in self.strings.items() if t.is_reviewed or drafts}


def _translation(where: str, key: str, raw: Any) -> Translation:
    if not isinstance(raw, dict) or "text" not in raw:
        raise ValueError(f"{where}: {key}: expected {{text, status, reviewer, reviewed}}")
    status = str(raw.get("status") or "draft")
    if status not in STATUSES:
        raise ValueError(f"{where}: {key}: status {status!r} is not one of {STATUSES}")
    reviewed = raw.get("reviewed")
    return Translation(
        str(raw["text"]),
        status,
        str(raw["reviewer"]) if raw.get("reviewer") else None,
        str(reviewed) if reviewed else None,
    )


def load_pack(path: Path) -> Pack:
    data = read_yaml(path) or {}
    where = path.name

    def entries(section: str) -> dict[str, Translation]:
        raw = data.get(section) or {}
        for key in raw:
            if not isinstance(key, str):
                raise ValueError(f"{where}: {section}: key {key!r} is not text: quote it")
        return {key: _translation(where, key, value) for key, value in raw.items()}

    keywords = {
        str(command): [str(w) for w in words or ()]
        for command, words in (data.get("keywords") or {}).items()
    }
    meta = dict(data.get("meta") or {})
    vocabulary = {
        str(kind): [str(w) for w in words or ()]
        for kind, words in (data.get("vocabulary") or {}).items()
    }
    return Pack(
        path.stem, meta, entries("strings"), entries("content"), keywords, path, vocabulary
    )


def is_pack_file(path: Path) -> bool:
    data = read_yaml(path) or {}
    return isinstance(data, dict) and "strings" in data and "meta" in data


@dataclass(frozen=True)
class Locales:
    strings: dict[str, dict[str, Any]]  # language -> key -> text people may see
    default: str = DEFAULT_LANGUAGE
    packs: dict[str, Pack] = field(default_factory=dict)  # translated languages, with statuses
    wanted: tuple[str, ...] = DEFAULT_LANGUAGES  # the LANGUAGES setting
    drafts: bool = False  # the LANGUAGE_DRAFTS setting

    @classmethod
    def load(
        cls,
        directory: Path = LOCALES_DIR,
        default: str = DEFAULT_LANGUAGE,
        *,
        languages: tuple[str, ...] | None = None,
        drafts: bool = False,
    ) -> Locales:
        """Every locale file of `directory`; `languages` (default: every source file) are those
        offered to people if they are ready (see `languages`)."""
        strings: dict[str, dict[str, Any]] = {}
        packs: dict[str, Pack] = {}
        for path in sorted(directory.glob("*.yaml")):
            if is_pack_file(path):
                pack = load_pack(path)
                packs[pack.language] = pack
                strings[pack.language] = {
                    **_flatten({"meta": pack.meta}),
                    **{f"vocabulary.{kind}": words for kind, words in pack.vocabulary.items()},
                    **pack.usable(drafts),
                }
            else:
                strings[path.stem] = _flatten(read_yaml(path) or {})
        if default not in strings or default in packs:
            raise ValueError(f"no locale file for the default language {default!r}")
        sources = tuple(lang for lang in strings if lang not in packs)
        wanted = tuple(languages) if languages is not None else sources
        return cls(strings, default, packs, wanted, drafts)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages offered to people: listed in LANGUAGES, with a locale file, and ready
        (a source language, or a pack whose CORE_KEYS are all reviewed)."""
        return tuple(lang for lang in self.wanted if self.ready(lang))

    def ready(self, language: str) -> bool:
        if language not in self.strings:
            return False
        if language not in self.packs:
            return True
        return all(key in self.strings[language] for key in CORE_KEYS)

    def is_source(self, language: str) -> bool:
        return language in self.strings and language not in self.packs

    def supports(self, language: str | None) -> bool:
        return language is not None and language in self.languages

    def name(self, language: str) -> str:
        return str(self.strings.get(language, {}).get("meta.name", language))

    def fallback(self, language: str) -> str:
        pack = self.packs.get(language)
        return pack.fallback if pack else self.default

    def chain(self, language: str) -> list[str]:
        """Where a text is looked for: the language, its fallback, theirs..., the default."""
        chain: list[str] = []
        lang: str | None = language
        while lang and lang not in chain:
            chain.append(lang)
            lang = self.fallback(lang) if lang != self.default else None
        if self.default not in chain:
            chain.append(self.default)
        return chain

    def resolve(self, language: str, key: str) -> tuple[Any, str]:
        """The text of `key` for a person speaking `language`, and the language it is in."""
        for lang in self.chain(language):
            value = self.strings.get(lang, {}).get(key)
            if value is not None:
                return value, lang
        raise KeyError(f"missing UI string {key!r}")

    def raw(self, language: str, key: str) -> Any:
        return self.resolve(language, key)[0]

    def long_date(self, language: str, day: date) -> str:
        """'15 mars 2027', '15 March 2027', '15 marisi 2027': the month's name from CLDR (Babel),
        in the first language of the person's chain that CLDR knows (Soninke: its fallback)."""
        for lang in self.chain(language):
            try:
                return format_date(day, DATE_PATTERN, locale=lang)
            except (UnknownLocaleError, ValueError):
                continue
        return day.isoformat()

    def t(self, language: str, key: str, /, **values: Any) -> str:
        return render(self.raw(language, key), values)

    def content(
        self, language: str, key: str, sources: dict[str, str]
    ) -> tuple[str | None, str | None]:
        """A text of the knowledge base (FAQ answer, awareness message) for `language`: its
        usable translation in a pack, else the source text of the first language of the chain
        that has one. `sources`: the text per source language, from the knowledge file."""
        for lang in self.chain(language):
            pack = self.packs.get(lang)
            if pack is not None:
                translation = pack.content.get(key)
                if translation is not None and (translation.is_reviewed or self.drafts):
                    return translation.text, lang
            elif sources.get(lang):
                return sources[lang], lang
        return None, None

    def language_for_word(self, folded_word: str) -> str | None:
        """'english' -> 'en': each locale lists words that choose it (meta.keywords)."""
        for lang in self.languages:
            if folded_word in self.strings[lang].get("meta.keywords", ()):
                return lang
        return None

    def problems(self) -> list[str]:
        """`<lang>.yaml: key: problem` for keys missing in a source language (they fall back to
        the default language) and for `{placeholders}` that differ from the default language's,
        which would make a translated string fail when the program fills it in. A pack may miss
        keys (they come from its fallback) but not change placeholders or name unknown keys."""
        reference = self.strings[self.default]
        found: list[str] = []
        for lang, strings in self.strings.items():
            if lang in self.packs:
                continue
            for key, text in reference.items():
                if key not in strings:
                    found.append(f"{lang}.yaml: {key}: missing (the {self.default} text is used)")
                elif _fields(strings[key]) != _fields(text):
                    found.append(
                        f"{lang}.yaml: {key}: placeholders {sorted(_fields(strings[key]))} "
                        f"differ from {self.default}'s {sorted(_fields(text))}"
                    )
        for lang, pack in self.packs.items():
            if pack.fallback not in self.strings:
                found.append(f"{lang}.yaml: meta.fallback: no locale file for {pack.fallback!r}")
            for key, translation in pack.strings.items():
                if key not in reference:
                    found.append(f"{lang}.yaml: {key}: no such key in {self.default}.yaml")
                elif _fields(translation.text) != _fields(reference[key]):
                    found.append(
                        f"{lang}.yaml: {key}: placeholders {sorted(_fields(translation.text))} "
                        f"differ from {self.default}'s {sorted(_fields(reference[key]))}"
                    )
                if translation.status == "reviewed" and not translation.reviewer:
                    found.append(f"{lang}.yaml: {key}: reviewed, but by whom? (reviewer)")
        found += self._yes_no_overlaps()
        return found

    def _yes_no_overlaps(self) -> list[str]:
        """A word that says yes in one language and no in another (compared folded, as people
        type them): every flow accepts every language's words, so it would confirm an erasure."""
        said: dict[str, dict[str, str]] = {"yes": {}, "no": {}}  # kind -> folded word -> lang
        for lang, strings in self.strings.items():
            for kind in said:
                for word in strings.get(f"vocabulary.{kind}") or ():
                    said[kind].setdefault(fold(str(word)), lang)
        return [
            f"{said['no'][word]}.yaml: vocabulary.no: {word!r} is also a yes word "
            f"({said['yes'][word]}.yaml)"
            for word in sorted(set(said["yes"]) & set(said["no"]))
        ]


class SourceTexts(dict):
    """A text per source language ({"fr": ..., "en": ...}, from a knowledge file) that answers
    a translated language (bm) with the default language's text instead of failing."""

    def __missing__(self, language: str) -> str:
        return dict.get(self, DEFAULT_LANGUAGE, "")


def render(text: Any, values: dict[str, Any]) -> str:
    return str(text).format(**values).strip() if values else str(text).strip()


def fields(text: Any) -> set[str]:
    """The `{placeholders}` of a text (a set with '<malformed braces>' if they do not parse)."""
    return _fields(text)


def _fields(text: Any) -> set[str]:
    if not isinstance(text, str):
        return set()
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed braces>"}
