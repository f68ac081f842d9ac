"""One vocabulary of yes / no / cancel words, from the locale files (`vocabulary:` in each).

Every flow asks its yes/no questions with these words, so "ok" confirms an erasure as it confirms
a registration. A person may answer in any language the bot speaks ("yes" in a French flow):
each kind is the union of every locale's words, compared folded (no case, accents, punctuation).
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.locales import Locales
from knowledge.text import fold

# follow_up: words that make a short message a question about the entry just answered
# ("combien ça coûte ?"), so that gibberish after an answer is not read as one.
# leaving_plan: phrases of someone who plans to leave ("veut partir"), not yet on the route.
# asking: words that open a question ("quand", "what"): a form's answer does not start so.
# when: words of a question about when or where something happens (a forum's next edition).
KINDS = ("yes", "no", "cancel", "follow_up", "leaving_plan", "asking", "when")
_by_locales: dict[int, tuple[Locales, dict[str, frozenset[str]]]] = {}


def words(locales: Locales, kind: str) -> frozenset[str]:
    """The folded words of `kind` in every offered language of `locales`; with drafts on
    (reviewers, the simulator), every translated pack's words too (Bambara's awɔ / ayi)."""
    cached = _by_locales.get(id(locales))
    if cached is None or cached[0] is not locales:
        languages = [*locales.languages, *(locales.packs if locales.drafts else ())]
        table = {
            k: frozenset(
                fold(str(word))
                for lang in dict.fromkeys(languages)
                for word in locales.strings[lang].get(f"vocabulary.{k}") or ()
            )
            for k in KINDS
        }
        cached = _by_locales[id(locales)] = (locales, table)
    return cached[1][kind]


def says(locales: Locales, text: str, kind: str) -> bool:
    """Whether `text`, as a whole, is one of the `kind` words ("OK" -> yes)."""
    return fold(text) in words(locales, kind)


@lru_cache(maxsize=1)
def shipped() -> Locales:
    """The locale files as shipped, for checks that have no conversation at hand."""
    return Locales.load()


def mentions(text: str, phrases: frozenset[str]) -> bool:
    """Whether the folded `text` holds one of the folded `phrases` as whole words."""
    padded = f" {fold(text)} "
    return any(f" {phrase} " in padded for phrase in phrases)
