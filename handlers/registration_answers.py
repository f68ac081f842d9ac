"""Checking one registration answer: a name, a country, a city, a phone or e-mail, a choice.

Each check returns the value to store (a cleaned name, an ISO country code, an E.164 number or a
lower-case e-mail, a choice id, None for a skipped optional field) or the error to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.context import Context
from knowledge.addresses import AddressError, phone_to_e164
from knowledge.countries import country_name, recognise
from knowledge.forums import Field
from knowledge.text import fold
from knowledge.words import says, shipped, words

KEEP_WORDS = ("garder", "keep")  # besides every "yes" word of the vocabulary
SKIP_WORDS = ("passer", "sauter", "skip", "pass", "aucun", "aucune", "none", "rien", "nothing")
# Answers that are never a name or a city, whatever the spelling.
NOT_AN_ANSWER = frozenset(
    (
        *KEEP_WORDS,
        *SKIP_WORDS,
        *words(shipped(), "yes"),
        *words(shipped(), "no"),
        *words(shipped(), "cancel"),
        "test",
        "xxx",
    )
)
MAX_TEXT = 100
MAX_NAME = 100
# A name: letters in any script, with spaces, hyphens, apostrophes and dots between them.
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.-])*$")
_LETTER = re.compile(r"[^\W\d_]")
# Well formed, as a person types it: local@domain.tld, no spaces, no double dots. Deliverability
# is not checked (no DNS from a chat turn).
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]{6,24}$")


@dataclass(frozen=True)
class Checked:
    value: str | None = None
    error: str | None = None  # the text to show instead of going on


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_name(text: str) -> str | None:
    name = _squash(text)
    letters = _LETTER.findall(name)
    if (
        not 2 <= len(name) <= MAX_NAME
        or not _NAME.match(name)
        or len(letters) < 2
        or len({c.casefold() for c in letters}) < 2  # "aaaa"
        or fold(name) in NOT_AN_ANSWER
    ):
        return None
    return name


def check_text(text: str) -> str | None:
    value = _squash(text)
    if not 2 <= len(value) <= MAX_TEXT or len(_LETTER.findall(value)) < 2:
        return None
    if fold(value) in NOT_AN_ANSWER:
        return None
    return value


def check_email(text: str) -> str | None:
    value = text.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        return None
    return value.lower()


def check_phone(text: str, region: str) -> str | None:
    if not _PHONE_CHARS.match(text.strip()):
        return None
    try:
        return phone_to_e164(text, region)
    except AddressError:
        return None


def check_choice(field: Field, text: str) -> str | None:
    folded = fold(text)
    if folded.isdigit():  # a number the core did not map (the options were not the last shown)
        index = int(folded) - 1
        return field.choices[index].id if 0 <= index < len(field.choices) else None
    for choice in field.choices:
        if choice.matches(folded):
            return choice.id
    return None


def check(ctx: Context, field: Field, data: dict) -> Checked:
    """The value to store for this answer to `field`, or the error to show."""
    text = ctx.text.strip()
    folded = fold(text)
    known = data.get("prefill", {}).get(field.id)
    if known is not None and (folded in KEEP_WORDS or says(ctx.knowledge.locales, text, "yes")):
        return Checked(known)
    if folded in SKIP_WORDS:
        if field.optional:
            return Checked(None)
        return Checked(error=ctx.t("registration.invalid.required"))
    if field.type == "name":
        value = check_name(text)
    elif field.type == "country":
        value = recognise(text)
    elif field.type == "contact":
        if "@" in text:
            value = check_email(text)
            if value is None:
                return Checked(error=ctx.t("registration.invalid.email"))
        else:
            # A national number is read in the person's country of residence.
            country = data.get("answers", {}).get("country") or ctx.config.default_region
            value = check_phone(text, country)
            if value is None:
                place = country_name(country, ctx.lang)
                return Checked(error=ctx.t("registration.invalid.contact", country=place))
    elif field.type == "choice":
        value = check_choice(field, text)
    else:
        value = check_text(text)
    if value is None:
        return Checked(error=ctx.t(f"registration.invalid.{field.type}"))
    return Checked(value)
