"""Questions and answers: the FAQ search, browsing by topic, and "did you mean"."""

from __future__ import annotations

from handlers.context import Context, MenuItem
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.faq import Entry, normalise
from storage import gaps

# How many related entries an answer offers as buttons (none on SMS: every line costs money).
MAX_RELATED = 2
ASK_STAFF = "CONSEILLER"


def _entry_option(entry: Entry, lang: str) -> Option:
    return Option(entry.title[lang], f"FAQ {entry.id}")


def _answer(ctx: Context, entry: Entry, lang: str) -> list[Reply]:
    options: list[Option] = []
    if entry.forum:
        options.append(ctx.option("faq.register", f"INSCRIPTION {entry.forum}", lang))
    if ctx.channel != "sms":
        faq = ctx.knowledge.faq
        related = [faq.entries[i] for i in entry.related if i in faq.entries][:MAX_RELATED]
        options += [_entry_option(r, lang) for r in related]
    return [Reply(entry.answer[lang].strip(), tuple(options), sms_text=entry.sms[lang])]


async def answer(ctx: Context) -> list[Reply]:
    """Answer a free-text question, or say honestly that we do not know and offer a person."""
    match = ctx.knowledge.faq.search(ctx.text, lang_hint=ctx.lang)
    lang = match.lang if ctx.knowledge.locales.supports(match.lang) else ctx.lang
    if lang != ctx.lang and match.outcome != "none":
        # The person's language follows what they write (the detection kept their language
        # unless the text clearly said otherwise), so that the buttons of this answer, and the
        # next replies, speak it too.
        ctx.contact.language = lang
    if match.outcome == "answer":
        return _answer(ctx, match.entry, lang)
    best = match.suggestions[0][0].id if match.suggestions else None
    await gaps.record(
        ctx.session, normalise(ctx.text), ctx.text, lang, match.outcome, best, ctx.now
    )
    staff = ctx.option("faq.ask_staff", ASK_STAFF, lang)
    if match.outcome == "unsure":
        choices = tuple(_entry_option(entry, lang) for entry, _ in match.suggestions[:3])
        return [Reply(ctx.t("faq.unsure", lang), (*choices, staff))]
    return [
        Reply(ctx.t("faq.none", lang), (ctx.option("menu.questions", "QUESTIONS", lang), staff))
    ]


async def show_entry(ctx: Context) -> list[Reply] | None:
    """FAQ <id>: one entry, from a button, a numbered choice or a deep link (faq_<id>)."""
    if not ctx.args:
        return await topics(ctx)
    entry = ctx.knowledge.faq.entries.get(ctx.args.strip().lower())
    if entry is None:
        return await topics(ctx, ctx.t("faq.unknown_entry"))
    return _answer(ctx, entry, ctx.lang)


async def topics(ctx: Context, text: str | None = None) -> list[Reply]:
    """List the FAQ topics."""
    faq = ctx.knowledge.faq
    options = tuple(Option(topic.title[ctx.lang], f"THEME {topic.id}") for topic in faq.topics)
    return [Reply(text or ctx.t("faq.topics"), options)]


async def topic_entries(ctx: Context) -> list[Reply]:
    """THEME <id>: the questions of one topic."""
    faq = ctx.knowledge.faq
    topic = (
        next((t for t in faq.topics if t.id == ctx.args.strip().lower()), None) if faq else None
    )
    if topic is None:
        return await topics(ctx)
    options = tuple(_entry_option(faq.entries[i], ctx.lang) for i in topic.entry_ids)
    return [Reply(ctx.t("faq.topic_entries", topic=topic.title[ctx.lang]), options)]


KEYWORDS = [
    Keyword(("faq",), show_entry, takes_argument=True),
    Keyword(("questions", "question", "themes", "theme", "sujets"), topics),
    Keyword(("theme", "topic"), topic_entries, takes_argument=True),
]
MENU = (MenuItem("menu.questions", "QUESTIONS"),)
