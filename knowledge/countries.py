"""Countries: recognise a country of residence as people type it, name it, give its time zone.

"france", "Côte d'Ivoire", "cote divoire", "ivory coast", "CI", "USA", "etats unis", "Senegale",
"je vis en France" -> an ISO 3166-1 alpha-2 code. Pure module; the data ships offline (see
`countries.yaml` for the sources and what it adds to them). The one country table of the bot
(issue 14): names from CLDR through Babel, in every language the bot offers; one time zone per
country by one rule (`timezone_for`), which quiet hours use too.

Matching, in order: the whole answer against every name, alias and code (folded: no case,
accents, punctuation or spaces); then a name inside the answer (the longest, if only one country
is named); then a fuzzy match for typos (rapidfuzz's ratio, refused when two countries come
equally close, so "nigeri" asks again rather than guess between Niger and Nigeria).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from babel import Locale, UnknownLocaleError
from rapidfuzz import fuzz, process

from knowledge.text import fold
from knowledge.yamlfile import read_yaml

COUNTRIES_FILE = Path(__file__).parent / "countries.yaml"
LOCALES_DIR = Path(__file__).parent / "locales"
# A typo is accepted at this ratio (0-100) or better: one wrong letter in a six-letter name
# ("frence") scores 83.
FUZZY_CUTOFF = 80
# Two different countries this close to the best score: too close to call, ask again.
FUZZY_MARGIN = 4
# Names shorter than this are only matched whole: "inde" or "oman" inside a sentence, or a typo of
# a 3-letter code, would match too much.
MIN_SEARCH_LENGTH = 4
# Shortest one-word country name whose people's name is recognised by it ("senegal" in
# "senegalais"); shorter ones ("mali", "iran", "oman") would find countries in other words.
PEOPLE_STEM = 5
# Two-letter codes that are everyday words first: "no" answers a question, it is not Norway.
_NOT_CODES = frozenset({"no"})
# What people put before the country: "je vis en France", "I live in the USA", "au Sénégal".
_LEAD = re.compile(
    r"^(?:je (?:vis|reside|habite|suis|travaille)|j habite|i (?:live|reside|am|work)|i m|im|"
    r"living|resident|en|au|aux|a|in|the|le|la|les|l|pays|country)\s+"
)


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    names: dict[str, str]  # display name per language (fr, en)
    timezone: str | None  # an IANA zone name, for zoneinfo


def _key(text: str) -> str:
    """Folded, with hyphens and slashes as spaces: 'Etats-Unis' -> 'etats unis'."""
    return " ".join(fold(text).replace("-", " ").replace("/", " ").split())


def _compact(text: str) -> str:
    return _key(text).replace(" ", "")


def _tzdata_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def offered_languages() -> list[str]:
    """The languages the bot speaks: one locale file each (fr, en, and those added later)."""
    return sorted(path.stem for path in LOCALES_DIR.glob("*.yaml"))


def cldr_names(codes: list[str], languages: list[str]) -> dict[str, dict[str, str]]:
    """Country names from CLDR (Babel) in each language it knows: {code: {lang: name}}."""
    table: dict[str, dict[str, str]] = {code: {} for code in codes}
    for lang in languages:
        try:
            territories = Locale.parse(lang).territories
        except (UnknownLocaleError, ValueError):  # a language CLDR does not cover
            continue
        for code in codes:
            if code in territories:
                table[code][lang] = territories[code]
    return table


def zone_rule(code: str, zones: list[str], main_zones: dict[str, str]) -> str | None:
    """THE rule for a country's time zone: its only zone; for a country with several, the zone
    of its capital or, where they differ, of where most of its people live, written down in
    `countries.yaml` (a test checks every multi-zone country has one)."""
    if code in main_zones:
        return main_zones[code]
    return zones[0] if len(zones) == 1 else None


class Countries:
    def __init__(
        self,
        countries: dict[str, Country],
        aliases: dict[str, list[str]],
        in_sentences: dict[str, list[str]] | None = None,
    ) -> None:
        self.by_code = countries
        self._whole: dict[str, str] = {}  # compact key -> code
        for code in countries:
            if code.lower() not in _NOT_CODES:
                self._whole.setdefault(code.lower(), code)
        # Our aliases first, so "Congo Kinshasa" or "UK" never lose to another source.
        for code, names in aliases.items():
            for name in names:
                self._whole.setdefault(_compact(name), code)
        phrases: dict[str, str] = {}
        for code, names in aliases.items():
            for name in names:
                if len(_compact(name)) >= MIN_SEARCH_LENGTH:
                    phrases.setdefault(_key(name), code)
        for code, country in countries.items():
            for name in country.names.values():
                self._whole.setdefault(_compact(name), code)
                phrases.setdefault(_key(name), code)
        self._phrases = phrases
        # Names read only inside a sentence (`named_in`): peoples' names that do not begin with
        # their country's, short names matched whole elsewhere ("the uk"). `recognise` keeps to
        # the names above: "where do you live" is answered with a country, not a people.
        sentence_names = {
            _key(name): code for code, names in (in_sentences or {}).items() for name in names
        }
        self._sentence_phrases = {**sentence_names, **phrases}
        # Per first word, the lengths (in words) of the names starting with it, longest first.
        starts: dict[str, set[int]] = {}
        for key in self._sentence_phrases:
            starts.setdefault(key.split()[0], set()).add(len(key.split()))
        self._starts = {word: sorted(ns, reverse=True) for word, ns in starts.items()}
        self._fuzzy_keys = {
            key: code for key, code in self._whole.items() if len(key) >= MIN_SEARCH_LENGTH
        }
        # One-word names, to read the name of a country's people: "senegalais", "guineen",
        # "canadian", "american" begin with "senegal", "guinee", "canada", "america".
        self._stems = {
            key: code
            for key, code in self._sentence_phrases.items()
            if " " not in key and len(key) >= PEOPLE_STEM
        }

    @cached_property
    def _search(self) -> re.Pattern[str]:
        """Every name as one pattern, compiled on first use (~50 ms: the FAQ, which reads
        countries with `named_in`, does not pay for it)."""
        # Longest first: at one position the alternation takes the first that matches.
        ordered = sorted(self._phrases, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")

    def named_in(self, text: str) -> frozenset[str]:
        """Every country a sentence names, by name or by the name of its people: "population of
        senegal" -> {"SN"}; "combien de senegalais en france" -> {"SN", "FR"}. No fuzzy matching
        (a typo inside a sentence would find countries in ordinary words). Words are looked up
        (the longest name at each word first), not searched with the names' pattern: a page of
        text costs a millisecond, not tens."""
        words = _key(text).split()
        named: set[str] = set()
        i = 0
        while i < len(words):
            for n in self._starts.get(words[i], ()):
                if (code := self._sentence_phrases.get(" ".join(words[i : i + n]))) is not None:
                    named.add(code)
                    i += n
                    break
            else:
                word = words[i]
                # The longest stem first: "nigerian" is Nigeria's, not Niger's ("niger" + ian).
                for end in range(len(word) - 1, PEOPLE_STEM - 1, -1):
                    if (code := self._stems.get(word[:end])) is not None:
                        named.add(code)
                        break
                i += 1
        return frozenset(named)

    def recognise(self, text: str) -> str | None:
        """The ISO alpha-2 code of the country `text` names, or None if unsure."""
        key = _key(text)
        for _ in range(4):  # "je vis en France" -> "France"; but "Pays-Bas" is a name
            if key.replace(" ", "") in self._whole:
                return self._whole[key.replace(" ", "")]
            shorter = _LEAD.sub("", key)
            if shorter == key:
                break
            key = shorter
        if not key:
            return None
        compact = key.replace(" ", "")
        if compact in self._whole:
            return self._whole[compact]
        named = {self._phrases[m.group()] for m in self._search.finditer(key)}
        if len(named) == 1:
            return named.pop()
        if named:
            return None  # two countries in one answer: ask again rather than guess
        return self._fuzzy(compact)

    def _fuzzy(self, compact: str) -> str | None:
        if len(compact) < MIN_SEARCH_LENGTH:
            return None
        found = process.extract(
            compact,
            self._fuzzy_keys.keys(),
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=FUZZY_CUTOFF,
            limit=10,
        )
        if not found:
            return None
        best_key, best_score, _ = found[0]
        code = self._fuzzy_keys[best_key]
        for other_key, score, _ in found[1:]:
            if self._fuzzy_keys[other_key] != code and best_score - score < FUZZY_MARGIN:
                return None
        return code

    def name(self, code: str, lang: str) -> str:
        country = self.by_code.get(code.upper())
        if country is None:
            return code
        return country.names.get(lang) or country.names.get("en") or code

    def timezone(self, code: str) -> str | None:
        country = self.by_code.get(code.upper())
        return country.timezone if country else None


def load_countries(path: Path = COUNTRIES_FILE) -> Countries:
    data = read_yaml(path) or {}
    iso_names = {row[0]: row[1] for row in _tzdata_table("iso3166.tab")}
    zones: dict[str, list[str]] = {}
    for row in _tzdata_table("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    main_zones = data.get("timezones") or {}
    names = cldr_names(list(iso_names), offered_languages())
    display = data.get("display") or {}
    countries = {}
    for code, english in iso_names.items():
        shown = {"en": english, **names[code], **display.get(code, {})}
        countries[code] = Country(code, shown, zone_rule(code, zones.get(code, []), main_zones))
    raw_aliases = data.get("aliases") or {}
    aliases = {code: [str(n) for n in names] for code, names in raw_aliases.items()}
    sentences = {
        code: [str(n) for n in names] for code, names in (data.get("in_sentences") or {}).items()
    }
    return Countries(countries, aliases, sentences)


@lru_cache(maxsize=1)
def countries() -> Countries:
    """The shipped table, built once (it takes a fraction of a second)."""
    return load_countries()


def recognise(text: str) -> str | None:
    return countries().recognise(text)


def country_name(code: str, lang: str) -> str:
    return countries().name(code, lang)


def timezone_for(code: str | None) -> str | None:
    """The IANA time zone of a country ('FR' -> 'Europe/Paris'), for quiet hours; or None."""
    return countries().timezone(code) if code else None
