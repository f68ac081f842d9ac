"""Questions and answers: the FAQ search, browsing by topic, and "did you mean"."""

from __future__ import annotations

from handlers.context import Context, MenuItem
from handlers.languages import reply_language
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.faq import Entry, Topic, normalise
from knowledge.language import question_part
from knowledge.personal import mask_contact_details
from storage import gaps

# How many related entries an answer offers as buttons (none on SMS: every line costs money).
MAX_RELATED = 2
ASK_STAFF = "CONSEILLER"


def _entry_option(ctx: Context, entry: Entry, lang: str) -> Option:
    return Option(ctx.content(f"faq.{entry.id}.title", entry.title, lang), f"FAQ {entry.id}")


def _topic_title(ctx: Context, topic: Topic) -> str:
    return ctx.content(f"topic.{topic.id}.title", topic.title)


def _answer(ctx: Context, entry: Entry, lang: str) -> list[Reply]:
    options: list[Option] = []
    if entry.kind == "pointer" and not entry.urgent:  # the sources cannot answer; a person can
        options.append(ctx.option("faq.ask_staff", ASK_STAFF, lang))
    if entry.forum:
        options.append(ctx.option("faq.register", f"INSCRIPTION {entry.forum}", lang))
    if ctx.channel != "sms":
        faq = ctx.knowledge.faq
        related = [faq.entries[i] for i in entry.related if i in faq.entries][:MAX_RELATED]
        options += [_entry_option(ctx, r, lang) for r in related]
    answer_text = ctx.content(f"faq.{entry.id}.answer", entry.answer, lang).strip()
    sms_text = ctx.content(f"faq.{entry.id}.sms", entry.sms, lang)
    return [Reply(answer_text, tuple(options), sms_text=sms_text)]


async def answer(ctx: Context) -> list[Reply]:
    """Answer a free-text question, or say honestly that we do not know and offer a person."""
    match = ctx.knowledge.faq.search(question_part(ctx.text), lang_hint=ctx.lang)
    lang = reply_language(ctx, match.lang)
    if match.outcome == "answer":
        if match.entry.urgent:  # someone in danger on the route: staff are told at once
            # Imported here: consultations imports this module (ASK_STAFF).
            from handlers.consultations import open_urgent

            # The confirmation first: on SMS it is what must arrive before any "PLUS".
            return [*await open_urgent(ctx, ctx.text), *_answer(ctx, match.entry, lang)]
        return _answer(ctx, match.entry, lang)
    best = match.suggestions[0][0].id if match.suggestions else None
    # The staff's list of gaps outlives the person's messages: no number or e-mail in it.
    example = mask_contact_details(ctx.text)
    await gaps.record(ctx.session, normalise(example), example, lang, match.outcome, best, ctx.now)
    staff = ctx.option("faq.ask_staff", ASK_STAFF, lang)
    if match.outcome == "unsure":
        choices = tuple(_entry_option(ctx, entry, lang) for entry, _ in match.suggestions[:3])
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
    offered = any(value == f"FAQ {entry.id}" for _, value in ctx.contact.last_options or [])
    if entry.urgent and offered:
        # Chosen from "did you mean" after describing someone in danger: staff are told at once.
        from handlers.consultations import open_urgent, previous_question

        question = await previous_question(ctx) or entry.title[ctx.lang]
        return [*await open_urgent(ctx, question), *_answer(ctx, entry, ctx.lang)]
    return _answer(ctx, entry, ctx.lang)


async def topics(ctx: Context, text: str | None = None) -> list[Reply]:
    """List the FAQ topics."""
    faq = ctx.knowledge.faq
    options = tuple(Option(_topic_title(ctx, topic), f"THEME {topic.id}") for topic in faq.topics)
    return [Reply(text or ctx.t("faq.topics"), options)]


async def topic_entries(ctx: Context) -> list[Reply]:
    """THEME <id>: the questions of one topic."""
    faq = ctx.knowledge.faq
    topic = (
        next((t for t in faq.topics if t.id == ctx.args.strip().lower()), None) if faq else None
    )
    if topic is None:
        return await topics(ctx)
    options = tuple(_entry_option(ctx, faq.entries[i], ctx.lang) for i in topic.entry_ids)
    return [Reply(ctx.t("faq.topic_entries", topic=_topic_title(ctx, topic)), options)]


KEYWORDS = [
    Keyword(("faq",), show_entry, takes_argument=True),
    Keyword(("questions", "question", "themes", "theme", "sujets"), topics),
    Keyword(("theme", "topic"), topic_entries, takes_argument=True),
]
MENU = (MenuItem("menu.questions", "QUESTIONS"),)
