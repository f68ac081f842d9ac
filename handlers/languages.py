"""Languages in the conversation: the notes a person is given once, and keywords per language.

- A person whose language is a translated one (Bambara) and who got some text in its fallback
  (French) is told so once: "some answers come in French".
- A person who writes some words of an offered language that is not theirs (a Bambara greeting
  around a French question) is answered in the language of the question, and offered the other
  language once, with a button. `reply_language` chooses the language of an FAQ reply.
- Who decides a person's language (docs/architecture.md, "Choices"): a person who chose it with
  LANGUE keeps it. Otherwise the conversation follows them: a whole question or request clearly
  written in another offered language (`follow`), or, on Telegram, a change of their app's
  language to another offered one (`app_language`), moves it, and a note says so once, with the
  way back in the language they had.
- Each translated pack lists its words for the bot's commands (`keywords:` in bm.yaml: "menu" ->
  its Bambara words); they become keywords with the same handler as the command word, for the
  offered languages only. `keyword_problems` (run by `kb check`) refuses a word that would
  collide with another command in any language.
"""

from __future__ import annotations

from collections.abc import Iterable

from handlers.context import Context
from handlers.router import Keyword, Route
from handlers.vocabulary import Option, Reply
from knowledge.bundle import Knowledge
from knowledge.language import LANGUAGES as MODEL_LANGUAGES
from knowledge.language import lexicon_hits, recognise, short_text_lexicon
from knowledge.locales import Locales
from knowledge.text import fold

# Commands every offered language must have words for (kb check): the ones a lost person needs.
CORE_COMMANDS = ("menu", "aide", "stop", "langue")


# Kept in Contact.language_notices beside the notices: the person chose their language with
# LANGUE, and the language of their Telegram app when they last wrote ("app:en").
CHOSEN = "chosen"
APP = "app:"
# Why the conversation moved (ctx.extra["switched"]): what they wrote, or their app's language.
WRITTEN, APP_LANGUAGE = "written", "app"


def _notices(ctx: Context) -> list[str]:
    return list(ctx.contact.language_notices or [])


def _remember(ctx: Context, notice: str) -> None:
    # A new list, so that SQLAlchemy sees the JSON column change.
    ctx.contact.language_notices = [*_notices(ctx), notice]


def chose(ctx: Context) -> None:
    """The person chose their language (LANGUE): from now on it moves only when they say so."""
    if CHOSEN not in _notices(ctx):
        _remember(ctx, CHOSEN)


def follow(ctx: Context, language: str, why: str = WRITTEN) -> bool:
    """Move the conversation to `language` (its buttons, the next replies), unless the person
    chose theirs; the turn's note says so. True if it moved."""
    old = ctx.contact.language
    if language == old or CHOSEN in _notices(ctx):
        return False
    if not ctx.knowledge.locales.supports(language):
        return False
    ctx.contact.language = language
    ctx.extra.setdefault("switched", (old, why))
    return True


async def app_language(ctx: Context) -> None:
    """Telegram: the language of the person's app (language_code), remembered; when it changes
    to another offered language, the conversation follows it. A router "before" handler that
    never answers itself."""
    hint = (ctx.inbound.language_hint or "").split("-")[0].lower()[:8]
    # A group (negative chat id: the staff's) is many people's apps, none of them its language.
    if ctx.channel != "telegram" or not hint or ctx.inbound.address.startswith("telegram:-"):
        return None
    notices = _notices(ctx)
    seen = next((n[len(APP) :] for n in notices if n.startswith(APP)), None)
    if seen == hint:
        return None
    ctx.contact.language_notices = [*(n for n in notices if not n.startswith(APP)), APP + hint]
    # First sighting (a newcomer, whose language came from it, or someone from before this
    # was remembered): nothing changed that we know of.
    if seen is not None:
        follow(ctx, hint, APP_LANGUAGE)
    return None


async def notes(ctx: Context, replies: list[Reply], route: Route) -> list[Reply]:
    """After a turn: the note that the conversation moved to another language (with the way
    back), the "some answers in French" note and the language offer, each once; one a turn."""
    if ctx.deleted or not replies or route.kind == "before":  # "before": staff's group
        return replies
    added: list[Reply] = []
    switched = ctx.extra.get("switched")
    if switched and ctx.contact.language != switched[0] and CHOSEN not in _notices(ctx):
        added.append(_switched_note(ctx, *switched))
    fell_back = ctx.extra.get("fell_back")
    if fell_back and ctx.contact.language == fell_back[0] and not added:
        language, used = fell_back
        if f"fallback:{language}" not in _notices(ctx):
            _remember(ctx, f"fallback:{language}")
            locales = ctx.knowledge.locales
            # In their language once that string is reviewed, else in the fallback's.
            added.append(
                Reply(
                    locales.t(
                        language,
                        "i18n.partial",
                        language=locales.name(language),
                        fallback=locales.name(used),
                    )
                )
            )
    # Not inside a flow: there the message answers a question (a name, a town), and an offer
    # would come between the question and the next.
    offer = None if ctx.flow is not None else _language_to_offer(ctx)
    if offer and not added:  # one note a turn: SMS costs money
        _remember(ctx, f"offer:{offer}")
        name = ctx.knowledge.locales.name(offer)
        added.append(Reply(ctx.t("i18n.offer", language=name), (Option(name, f"LANGUE {offer}"),)))
    return [*replies, *added]


def _switched_note(ctx: Context, old: str, why: str) -> Reply:
    """ "I answer in English now", and the way back in the language they had (in case we
    misread them). No button: the answer's own options stay the ones a number refers to."""
    locales = ctx.knowledge.locales
    key = "i18n.switched_app" if why == APP_LANGUAGE else "i18n.switched"
    now = ctx.t(key, language=locales.name(ctx.lang))
    back = ctx.t("i18n.switch_back", old, language=locales.name(old), code=old.upper())
    return Reply(f"{now} {back}")


def _language_to_offer(ctx: Context) -> str | None:
    """An offered language other than the person's that their message holds words of."""
    locales = ctx.knowledge.locales
    if not ctx.text or ctx.inbound.kind != "text":
        return None
    if not any(lang in short_text_lexicon().languages for lang in locales.languages):
        return None  # no offered language to offer (the default: fr, en): costs nothing
    _, hits = lexicon_hits(ctx.text)
    for language in sorted(hits, key=lambda lang: -hits[lang]):
        if (
            language != ctx.contact.language
            and locales.supports(language)
            and f"offer:{language}" not in _notices(ctx)
        ):
            return language
    return None


def reply_language(ctx: Context, faq_language: str) -> str:
    """The language to answer a question in: Bambara (or Soninke) when it is written in it
    (its fallback, French, while it is not offered), the person's own when the text does not
    tell, else the FAQ search's French or English."""
    if CHOSEN in _notices(ctx):  # they chose it: every answer speaks it
        return ctx.lang
    return answer_language(ctx.knowledge, ctx.text, ctx.lang, faq_language)


def answer_language(knowledge: Knowledge, text: str, person: str, faq_language: str) -> str:
    """`reply_language` for a text and the language of the person who wrote it (also `ask`)."""
    _, hits = lexicon_hits(text)
    if not hits and knowledge.locales.is_source(person):  # most questions: nothing more to do
        return faq_language if knowledge.locales.supports(faq_language) else person
    recognition = recognise(text)
    decided_by_search = recognition.language in MODEL_LANGUAGES or (
        recognition.language is None and knowledge.locales.is_source(person)
    )
    if decided_by_search:  # the search also weighs the FAQ's own vocabulary
        return faq_language if knowledge.locales.supports(faq_language) else person
    return knowledge.answer_language(recognition, person)


BEFORE = [app_language]
AFTER_TURN = (notes,)


def pack_keywords(keywords: Iterable[Keyword], locales: Locales) -> list[Keyword]:
    """The offered translated languages' words for the bot's commands, as keywords."""
    by_word: dict[str, list[Keyword]] = {}
    for keyword in keywords:
        for word in keyword.words:
            by_word.setdefault(fold(word), []).append(keyword)
    added: list[Keyword] = []
    for language in locales.languages:
        pack = locales.packs.get(language)
        if pack is None:
            continue
        for command, words in pack.keywords.items():
            folded = tuple(fold(w) for w in words if fold(w))
            for keyword in by_word.get(fold(command), ()):
                added.append(
                    Keyword(folded, keyword.handler, keyword.takes_argument, keyword.channels)
                )
    return added


def keyword_problems(keywords: Iterable[Keyword], locales: Locales) -> list[str]:
    """`<lang>.yaml: keywords.<command>: problem` for every pack, offered or not: an unknown
    command, a word that another command (in any language) already uses, a core command with
    no word."""
    owners: dict[str, set[str]] = {}  # folded word -> the command words that claim it
    by_word: dict[str, list[Keyword]] = {}
    keywords = list(keywords)
    for keyword in keywords:
        command = fold(keyword.words[0])
        for word in keyword.words:
            by_word.setdefault(fold(word), []).append(keyword)
            if not keyword.takes_argument:
                owners.setdefault(fold(word), set()).add(command)
    problems: list[str] = []
    claimed: dict[str, tuple[str, str]] = {}  # folded pack word -> (language, command)
    for language, pack in sorted(locales.packs.items()):
        # meta.keywords choose the language: they are words of LANGUE too.
        choosing = [str(w) for w in pack.meta.get("keywords") or ()]
        for command, words in [("langue", choosing), *pack.keywords.items()]:
            targets = by_word.get(fold(command))
            if not targets:
                problems.append(f"{language}.yaml: keywords.{command}: no such command")
                continue
            handlers = {k.handler for k in targets}
            for word in words:
                folded = fold(word)
                other = [
                    k.words[0]
                    for k in by_word.get(folded, ())
                    if k.handler not in handlers and not k.takes_argument
                ]
                if other:
                    problems.append(
                        f"{language}.yaml: keywords.{command}: {word!r} is already the "
                        f"command {other[0]!r}"
                    )
                earlier = claimed.get(folded)
                if earlier and fold(earlier[1]) != fold(command) and not other:
                    problems.append(
                        f"{language}.yaml: keywords.{command}: {word!r} is also "
                        f"{earlier[0]}'s {earlier[1]!r}"
                    )
                claimed.setdefault(folded, (language, command))
        for command in CORE_COMMANDS:
            if not pack.keywords.get(command):
                problems.append(f"{language}.yaml: keywords.{command}: no word for this command")
    return problems
