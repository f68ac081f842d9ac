"""Questions and answers: the FAQ search, browsing by topic, and "did you mean"."""

from __future__ import annotations

import re
from typing import NamedTuple

from handlers import languages
from handlers.context import ANSWERED_ENTRY, Context, MenuItem
from handlers.forum_editions import NOTIFY, resolved_forums
from handlers.languages import reply_language
from handlers.registration import dates_text
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.faq import Entry, Match, Topic, normalise
from knowledge.language import question_part
from knowledge.normalise import content_tokens
from knowledge.normalise import normalise as normalise_words
from knowledge.personal import mask_contact_details
from knowledge.text import fold
from knowledge.words import mentions, words
from storage import gaps

# How many related entries an answer offers as buttons (none on SMS: every line costs money).
MAX_RELATED = 2
ASK_STAFF = "CONSEILLER"
# Next candidates offered beside a clearly leading answer on SMS (each line costs money).
MAX_OTHERS_SMS = 2
# Words of a message read as a follow-up of the last answer when alone it is unclear.
FOLLOW_UP_WORDS = 8


def _entry_option(ctx: Context, entry: Entry, lang: str) -> Option:
    return Option(ctx.content(f"faq.{entry.id}.title", entry.title, lang), f"FAQ {entry.id}")


def _topic_title(ctx: Context, topic: Topic) -> str:
    return ctx.content(f"topic.{topic.id}.title", topic.title)


class ForumState(NamedTuple):
    """Whether a forum's registration is open now, said under its FAQ answer."""

    line: str
    choice: Option  # register, or be told when it opens
    open: bool


async def _forum_state(ctx: Context, entry: Entry, lang: str) -> ForumState | None:
    """A forum entry's answer tells the past (the sources); whether registration is open now is
    staff's to say (an edition they opened)."""
    if not entry.forum:
        return None
    forums = await resolved_forums(ctx.session, ctx.knowledge.forums)
    forum = forums.forums.get(entry.forum) if forums is not None else None
    if forum is not None and forum.is_open(ctx.now):
        place = forum.place.get(lang) or next(iter(forum.place.values()), "")
        dates = dates_text(ctx.knowledge.locales, forum, lang)
        line = ctx.t("faq.forum_open", lang, dates=dates, place=place)
        register = ctx.option("faq.register", f"INSCRIPTION {entry.forum}", lang)
        return ForumState(line, register, True)
    notify = ctx.option("editions.notify_button", f"{NOTIFY} {entry.forum}", lang)
    return ForumState(ctx.t("faq.forum_not_open", lang), notify, False)


def _answer(
    ctx: Context,
    entry: Entry,
    lang: str,
    others: tuple[Entry, ...] = (),
    forum_state: ForumState | None = None,
) -> list[Reply]:
    """The entry's answer; `others`: the next candidates of a search whose best clearly led,
    offered in the same reply (buttons; on SMS "Autres :" and numbered lines, only where the
    whole fits the segment budget) so that a second guess costs no round trip. `forum_state`:
    a forum entry's registration line and choice (_forum_state)."""
    ctx.contact.last_entry = entry.id  # what a follow-up question leans on
    ctx.extra[ANSWERED_ENTRY] = entry.id  # counted among the most asked entries
    options: list[Option] = []
    if entry.kind == "pointer" and not entry.urgent:  # the sources cannot answer; a person can
        options.append(ctx.option("faq.ask_staff", ASK_STAFF, lang))
    sms = ctx.content(f"faq.{entry.id}.sms", entry.sms, lang)
    answer_text = ctx.content(f"faq.{entry.id}.answer", entry.answer, lang).strip()
    if forum_state is not None:
        options.append(forum_state.choice)
        answer_text = f"{answer_text}\n\n{forum_state.line}"
        if forum_state.open:
            # On SMS the open edition's dates come first, before the past they would push to
            # PLUS; "not open" is said by the choice itself ("Me prévenir à l'ouverture").
            sms = f"{forum_state.line}\n{sms}"
    if ctx.channel == "sms":
        with_others = f"{sms}\n{ctx.t('conversations.others', lang)}"
        for count in range(min(len(others), MAX_OTHERS_SMS), 0, -1):  # as many as fit
            alternatives = [_entry_option(ctx, o, lang) for o in others[:count]]
            if ctx.fits_sms([Reply(with_others, (*options, *alternatives))]):
                options += alternatives
                sms = with_others
                break
    else:
        faq = ctx.knowledge.faq
        options += [_entry_option(ctx, o, lang) for o in others]
        shown = {o.id for o in others}
        related = [faq.entries[i] for i in entry.related if i in faq.entries and i not in shown]
        options += [
            _entry_option(ctx, r, lang) for r in related[: max(0, MAX_RELATED - len(others))]
        ]
    return [Reply(answer_text, tuple(options), sms_text=sms)]


def _follow_up(ctx: Context, match: Match) -> Match:
    """A short question after an answer ("Combien de temps ça prend ?", "how much does it
    cost?") is read with the subject of the entry just answered: when alone it is unclear, or
    when with that subject it finds an entry of the same topic (a bare "combien ça coûte ?"
    would otherwise match any entry about a cost), and only when that leads within the last
    answer's topic. It must ask something (a follow-up word of
    the locales' vocabulary), so that a stray word after an answer is not taken for one."""
    faq = ctx.knowledge.faq
    last = faq.entries.get(ctx.contact.last_entry or "")
    if last is None or len(ctx.text.split()) > FOLLOW_UP_WORDS:
        return match
    # Read after SMS spellings too: "koman le dissuader" asks "comment" like any other.
    said = {*fold(ctx.text).split(), *fold(normalise_words(ctx.text)).split()}
    if not said & words(ctx.knowledge.locales, "follow_up"):
        return match
    if match.outcome == "answer" and match.entry.id != last.id and _own_subject(ctx):
        return match  # "what is TOKTEN?", "how much does a visa cost?": a question of its own
    subject = last.title.get(match.lang) or next(iter(last.title.values()))
    followed = faq.search(f"{ctx.text} {subject}", lang_hint=match.lang)
    # Only within the last answer's topic: the subject's words must not carry an unclear
    # question of its own elsewhere ("combien coûte l'envoi d'argent ?" after the women's
    # forum was answered with the diaspora's remittance volume, "Autres : forum des femmes").
    same_topic = followed.entry is not None and followed.entry.topic == last.topic
    if followed.outcome == "answer" and same_topic:
        return Match(
            followed.outcome, followed.entry, followed.score, match.lang, followed.suggestions
        )
    if match.outcome == "answer":
        return match
    if followed.outcome == "unsure" and followed.suggestions[0][0].topic == last.topic:
        return Match("unsure", None, followed.score, match.lang, followed.suggestions)
    return match


def _only_planning(ctx: Context, match: Match) -> Match:
    """Someone who plans to leave ("mon fils veut traverser la mer", "my son wants to go to
    Libya") is not yet in danger on the route: the urgent pointer gives way to its entry for
    plans (the risks), unless the message also says danger in that entry's own words."""
    best = match.entry if match.outcome == "answer" else None
    if best is None and match.outcome == "unsure":
        # The urgent pointer among the choices, first or not ("mon frère veut partir en Libye
        # par le désert": the risks first, "a relative in danger" second): a plan settles it.
        best = next((entry for entry, _ in match.suggestions if entry.urgent), None)
    if best is None or not best.urgent or best.for_plans is None:
        return match
    locales = ctx.knowledge.locales
    danger = frozenset(fold(word) for words_ in best.keywords.values() for word in words_)
    if not mentions(ctx.text, words(locales, "leaving_plan")) or mentions(ctx.text, danger):
        return match
    plans = ctx.knowledge.faq.entries[best.for_plans]
    return Match("answer", plans, match.score, match.lang)


def _own_subject(ctx: Context) -> bool:
    """Whether a message names something of its own besides follow-up words and stopwords:
    "how long does it take?" does not; "how much does a visa to France cost?" does (visa,
    France), and its own confident answer must not give way to the last entry's topic."""
    follow_up = " ".join(words(ctx.knowledge.locales, "follow_up"))
    follow = set(content_tokens(normalise_words(follow_up)))
    known = ctx.knowledge.faq.known_words
    return any(t not in follow and t in known for t in content_tokens(normalise_words(ctx.text)))


def _nothing_more(ctx: Context, entry: Entry, lang: str) -> list[Reply]:
    """A follow-up that leads back to the entry just answered ("combien de temps ça prend ?"):
    repeating the whole answer would cost an SMS user segments and tell nothing new, so say so,
    offer the answer again and a counsellor, and keep the question for staff (gaps)."""
    title = ctx.content(f"faq.{entry.id}.title", entry.title, lang)
    options = (_entry_option(ctx, entry, lang), ctx.option("faq.ask_staff", ASK_STAFF, lang))
    return [Reply(ctx.t("faq.nothing_more", lang, title=title), options)]


async def answer(ctx: Context) -> list[Reply]:
    """Answer a free-text question, or say honestly that we do not know and offer a person."""
    last_entry = ctx.contact.last_entry
    alone = ctx.knowledge.faq.search(question_part(ctx.text), lang_hint=ctx.lang)
    followed = _follow_up(ctx, alone)
    # Only the last answer's subject led back to the entry just answered: the message alone
    # pointed nowhere or elsewhere (asked again, or in another language, it is answered again).
    alone_best = alone.entry or (alone.suggestions[0][0] if alone.suggestions else None)
    led_back = followed is not alone and followed.entry is not None
    led_back = led_back and followed.entry.id == last_entry
    led_back = led_back and (alone_best is None or alone_best.id != last_entry)
    if led_back and _own_subject(ctx):
        # "how can I invest in agriculture" after the land answer: a question of its own that
        # only the last subject's words led back. Not "nothing more on land": its own candidates.
        followed, led_back = alone, False
    match = _only_planning(ctx, followed)
    lang = reply_language(ctx, match.lang)
    if lang != ctx.lang and match.outcome != "none":
        # Issue 13: the person's language follows what they write (the detection kept their
        # language unless the text clearly said otherwise), so that the buttons of this
        # answer, and the next replies, speak it too; not if they chose theirs (LANGUE).
        languages.follow(ctx, lang)
    if led_back and match is followed:
        state = await _forum_state(ctx, match.entry, lang)
        asks_when = mentions(normalise_words(ctx.text), words(ctx.knowledge.locales, "when"))
        if state is not None and asks_when:
            # "when is the next one?" after a forum's answer: staff's edition says, not the
            # sources (not "nothing more precise", with the dates one answer up).
            staff = ctx.option("faq.ask_staff", ASK_STAFF, lang)
            return [Reply(state.line, (state.choice, staff))]
        await _record_gap(ctx, lang, "unsure", match.entry.id)
        return _nothing_more(ctx, match.entry, lang)
    if match.outcome == "answer":
        if match.entry.urgent:  # someone in danger on the route: staff are told at once
            # Imported here: consultations imports this module (ASK_STAFF).
            from handlers.consultations import open_urgent

            # The confirmation first: on SMS it is what must arrive before any "PLUS".
            return [*await open_urgent(ctx, ctx.text), *_answer(ctx, match.entry, lang)]
        others = tuple(e for e, _ in match.suggestions)
        return _answer(ctx, match.entry, lang, others, await _forum_state(ctx, match.entry, lang))
    if match is alone:
        # A question of its own the FAQ could not settle: the conversation has left the last
        # answer's subject. "how long does it take?" after it must not lean on an answer from
        # two questions back (it got "nothing more precise on the HCME" after a business question).
        ctx.contact.last_entry = None
    best = match.suggestions[0][0].id if match.suggestions else None
    await _record_gap(ctx, lang, match.outcome, best)
    staff = ctx.option("faq.ask_staff", ASK_STAFF, lang)
    if match.outcome == "unsure":
        choices = tuple(_entry_option(ctx, entry, lang) for entry, _ in match.suggestions[:3])
        return [Reply(ctx.t("faq.unsure", lang), (*choices, staff))]
    return [
        Reply(ctx.t("faq.none", lang), (ctx.option("menu.questions", "QUESTIONS", lang), staff))
    ]


async def answer_aside(ctx: Context) -> tuple[Match, list[Reply]]:
    """A question asked in the middle of a flow ("c quand le fidima ?" where a city was asked):
    the FAQ's match, and its answer when the FAQ has a confident, non-urgent one (no choices:
    the flow's own question comes next and owns the numbers), else no reply."""
    match = ctx.knowledge.faq.search(question_part(ctx.text), lang_hint=ctx.lang)
    if match.outcome != "answer" or match.entry.urgent:
        return match, []
    lang = reply_language(ctx, match.lang)
    state = await _forum_state(ctx, match.entry, lang)
    replies = _answer(ctx, match.entry, lang, forum_state=state)
    return match, [Reply(r.text, (), sms_text=r.sms_text) for r in replies]


# A word: two letters in a row. A message without one ("[31m" left of a terminal's colour
# code, "?!", "12 34") asks nothing staff could answer: not a knowledge gap.
_A_WORD = re.compile(r"[^\W\d_]{2}")


async def _record_gap(ctx: Context, lang: str, outcome: str, best: str | None) -> None:
    if not _A_WORD.search(ctx.text):
        return
    # The staff's list of gaps outlives the person's messages: no number or e-mail in it.
    example = mask_contact_details(ctx.text)
    await gaps.record(ctx.session, normalise(example), example, lang, outcome, best, ctx.now)


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
    return _answer(ctx, entry, ctx.lang, forum_state=await _forum_state(ctx, entry, ctx.lang))


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
