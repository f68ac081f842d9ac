"""The one place where the features' routes, flows and menu entries are composed."""

from __future__ import annotations

from handlers import (
    basics,
    consultations,
    faq,
    forum_editions,
    intents,
    languages,
    numbers,
    polls,
    privacy,
    registration,
    staff,
    subscriptions,
    unknown_language,
)
from handlers.context import MenuItem
from handlers.router import Keyword, Router
from knowledge.bundle import Knowledge

# Menu order as people see it; each feature contributes its entries.
MENU: tuple[MenuItem, ...] = (
    *faq.MENU,
    *registration.MENU,
    *subscriptions.MENU,
    *consultations.MENU,
    *basics.MENU,
    *privacy.MENU,
)


def build_router(knowledge: Knowledge) -> Router:
    language_words = tuple(
        word
        for lang in knowledge.locales.languages
        for word in knowledge.locales.raw(lang, "meta.keywords")
    )
    keywords = command_keywords(language_words)
    return Router(
        # Last, the offered translated languages' words for the same commands (bm.yaml).
        keywords=[*keywords, *languages.pack_keywords(keywords, knowledge.locales)],
        flows={
            **privacy.FLOWS,
            **registration.FLOWS,
            **consultations.FLOWS,
            **staff.FLOWS,
            **subscriptions.FLOWS,
            **polls.FLOWS,
        },
        fallback=faq.answer,
        before=[*languages.BEFORE, *staff.BEFORE, *polls.BEFORE],
        # After keywords and flows, before the FAQ: a word naming an option of a poll question
        # waiting for the person (issue 17), a number that is no option of the last list, a
        # sentence meaning an action or small talk, a language we do not read (issue 13).
        understand=(
            polls.word_answer,
            numbers.not_an_option,
            intents.understand,
            unknown_language.answer,
        ),
        after=(*subscriptions.AFTER_TURN, *languages.AFTER_TURN),
    )


def command_keywords(language_words: tuple[str, ...] = ()) -> list[Keyword]:
    """The features' keywords, in the order the router tries them."""
    return [
        *subscriptions.FIRST_KEYWORDS,  # before basics: an invited relative's OUI
        *consultations.KEYWORDS,  # its MENU says the open ticket stays open, before the core's
        *basics.keywords(language_words),
        *privacy.KEYWORDS,
        *subscriptions.KEYWORDS,
        *faq.KEYWORDS,
        *registration.KEYWORDS,
        *forum_editions.KEYWORDS,
        *staff.KEYWORDS,
        *polls.KEYWORDS,
    ]
