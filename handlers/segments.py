"""The audience language of staff: `all`, or terms joined by commas that must all hold.

    channel:sms | channel:telegram | channel:console
    lang:fr | lang:en
    country:<ISO 3166 code>      e.g. country:FR (where the person lives)
    subscribers                  subscribed to the awareness series
    forum:<id>                   a live registration for that forum's latest edition
                                 (e.g. forum:fidima: the people coming to the next FIDIMA)

Parsing is pure and strict: a mistake is explained (`SegmentError.code` names a UI string for
Telegram, `str()` is an English sentence for the command line), never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers

from knowledge.yamlfile import read_yaml
from storage.audience import Audience

CHANNELS = ("sms", "telegram", "console")
_FORUM_ID = re.compile(r"^[a-z0-9_-]{1,32}$")
_FORUMS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "forums.yaml"

_MESSAGES = {
    "empty": "no segment given: use all, or terms such as channel:sms,lang:fr",
    "empty_term": "an empty term (two commas in a row?)",
    "all_alone": "'all' cannot be combined with other terms",
    "unknown_term": "'{term}' is not a term: use channel:, lang:, country:, subscribers, forum:",
    "bad_channel": "'{value}' is not a channel: use sms, telegram or console",
    "bad_language": "'{value}' is not a language of the bot: use {languages}",
    "bad_country": "'{value}' is not an ISO country code (two letters, e.g. FR, ML, CI)",
    "unknown_forum": "'{value}' is not a forum: use {forums}",
    "conflict": "{kind}:{first} and {kind}:{second} can never both hold",
}


class SegmentError(ValueError):
    def __init__(self, code: str, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(_MESSAGES[code].format(**values))


@lru_cache(maxsize=1)
def known_forums() -> tuple[str, ...]:
    """Forum ids from knowledge/forums.yaml (the registration feature's data)."""
    try:
        data = read_yaml(_FORUMS_FILE) or {}
    except OSError:
        return ()
    return tuple(str(f["id"]) for f in data.get("forums", []) if isinstance(f, dict) and "id" in f)


def parse(
    text: str,
    *,
    languages: Collection[str] = ("fr", "en"),
    forums: Collection[str] | None = None,
) -> Audience:
    """'channel:sms, lang:fr' -> Audience(channel='sms', language='fr'); raises SegmentError."""
    forums = known_forums() if forums is None else forums
    terms = [term.strip() for term in text.strip().split(",")] if text.strip() else []
    if not terms:
        raise SegmentError("empty")
    if any(not term for term in terms):
        raise SegmentError("empty_term")
    if [t.lower() for t in terms] == ["all"]:
        return Audience()
    single: dict[str, str] = {}
    subscribers = False
    chosen_forums: list[str] = []
    for term in terms:
        kind, _, value = (part.strip() for part in term.partition(":"))
        kind = kind.lower()
        if kind == "all" and not value:
            raise SegmentError("all_alone")
        if kind == "subscribers" and not value:
            subscribers = True
            continue
        if kind == "channel":
            value = value.lower()
            if value not in CHANNELS:
                raise SegmentError("bad_channel", value=value)
        elif kind == "lang":
            value = value.lower()
            if value not in languages:
                raise SegmentError("bad_language", value=value, languages=", ".join(languages))
        elif kind == "country":
            value = value.upper()
            if value not in phonenumbers.SUPPORTED_REGIONS:
                raise SegmentError("bad_country", value=value)
        elif kind == "forum":
            value = value.lower()
            if not _FORUM_ID.match(value) or (forums and value not in forums):
                raise SegmentError("unknown_forum", value=value, forums=", ".join(forums))
            if value not in chosen_forums:
                chosen_forums.append(value)
            continue
        else:
            raise SegmentError("unknown_term", term=term)
        if single.get(kind, value) != value:
            raise SegmentError("conflict", kind=kind, first=single[kind], second=value)
        single[kind] = value
    return Audience(
        channel=single.get("channel"),
        language=single.get("lang"),
        country=single.get("country"),
        subscribers=subscribers,
        forums=tuple(chosen_forums),
    )
