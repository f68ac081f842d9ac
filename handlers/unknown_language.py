"""A message in a language we do not read (a Bambara sentence, Arabic, Spanish): answered in the
person's current language, saying which languages we read (those of the loaded locales, so a new
language pack adds itself), with a counsellor offered. The person's language stays as it was."""

from __future__ import annotations

from handlers.context import Context
from handlers.faq import ASK_STAFF
from handlers.vocabulary import Reply
from knowledge.normalise import normalise
from storage import gaps

GAP_OUTCOME = "foreign"  # how `gaps` shows these questions (staff may read the language)


def languages_we_read(ctx: Context) -> str:
    locales = ctx.knowledge.locales
    return ", ".join(locales.name(lang) for lang in locales.languages)


async def answer(ctx: Context) -> list[Reply] | None:
    """Not ours to answer unless the text is clearly in another language."""
    language = ctx.knowledge.unread_language(ctx.text)
    if language is None:
        return None
    ctx.extra["intent"] = "unread_language"
    await gaps.record(
        ctx.session,
        normalise(ctx.text) or ctx.text[:200],
        ctx.text,
        language,
        GAP_OUTCOME,
        None,
        ctx.now,
    )
    text = ctx.t("conversations.unread_language", languages=languages_we_read(ctx))
    return [Reply(text, (ctx.option("faq.ask_staff", ASK_STAFF),))]
