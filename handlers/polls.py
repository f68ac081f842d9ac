"""Polls: a person answers a ministry consultation by button, number or word.

Where an answer comes in:

- a bare number when the last message the person received is the invitation
  (`number_after_invitation`, before the keywords: the outbox sets no `last_options`);
- an option's value, `POLL <poll> <question> <value>`: a Telegram button, or a number that the
  conversation turned into its option's value (`Contact.last_options`, set by every question
  asked in the conversation). It names its poll and question, so a stale button or a late
  number still lands where it belongs, or gets the "closed" note;
- a word ("commerce", "Comerce", "COMMERCE") typed while a question waits: tried after the
  keywords and the person's flow, first of the router's `understand` step (before the FAQ), so
  STOP, MENU and questions keep working mid-poll and the poll simply waits;
- a free-text question's answer: the `poll` flow, for that one step (PASSER / SKIP if optional).

`SONDAGE` / `POLL` lists the open polls the person may join (invited, or in the audience of one of
its sends) and joins one. A second answer before closing replaces the first and says so.
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.context import Context
from handlers.router import Keyword
from handlers.vocabulary import Option, Reply
from knowledge.polls import (
    NUMBER,
    Poll,
    PollOption,
    Question,
    match_option,
    option_value,
    pick,
)
from knowledge.text import fold
from storage import poll_answers as answers_store
from storage import polls as store
from storage.models import PollRecord

FLOW = "poll"  # only while a free-text question waits for its answer
SKIP_WORDS = ("passer", "skip", "sauter")
# A word answer is an option's name: longer messages are questions for the FAQ, not answers.
WORD_ANSWER_MAX = 40
# How long after its closing a poll still answers "closed" to a word that names one of its
# options; after that the word is an ordinary message again.
CLOSED_NOTE_DAYS = 7
FREE_TEXT_MAX = 1000  # characters of a free-text answer kept
# What a poll id looks like (with an underscore or a digit): "POLL <id> ..." names a poll, while
# "sondage sur l'emploi" is a sentence.
_ID_LIKE = re.compile(r"^[A-Za-z0-9]*[_0-9][A-Za-z0-9_]*$")


def definition(record: PollRecord) -> Poll:
    return Poll.from_data(record.definition)


def _label(ctx: Context, option: PollOption) -> str:
    return pick(option.label, ctx.lang)


def question_reply(ctx: Context, poll: Poll, question: Question) -> Reply:
    """One question: buttons on Telegram, numbered lines on SMS, a hint saying how to answer."""
    text = ctx.t(
        "polls.question",
        number=poll.questions.index(question) + 1,
        count=len(poll.questions),
        text=pick(question.text, ctx.lang),
    )
    if question.free_text:
        hint = "polls.hint_free_optional" if question.optional else "polls.hint_free"
        return Reply(f"{text}\n{ctx.t(hint)}")
    options = tuple(
        Option(_label(ctx, o), option_value(poll.id, question.id, o.value))
        for o in question.options
    )
    return Reply(text, options, sms_text=f"{text}\n{ctx.t('polls.hint_choice')}")


async def _ask(ctx: Context, poll: Poll, question: Question) -> Reply:
    if question.free_text:
        await ctx.start_flow(FLOW, question.id, {"poll": poll.id})
    elif ctx.flow is not None and ctx.flow.flow == FLOW:
        await ctx.end_flow()
    return question_reply(ctx, poll, question)


async def _after(
    ctx: Context, poll: Poll, question: Question, lead: str, answers: dict[str, str]
) -> list[Reply]:
    """What follows an answer: the next unanswered question, or thanks."""
    later = poll.questions[poll.questions.index(question) + 1 :]
    following = next((q for q in later if q.id not in answers), None)
    if following is not None:
        return [Reply(lead), await _ask(ctx, poll, following)]
    if ctx.flow is not None and ctx.flow.flow == FLOW:
        await ctx.end_flow()
    return [Reply(f"{lead}\n{ctx.t('polls.thanks', title=pick(poll.title, ctx.lang))}")]


def _closed(ctx: Context, poll: Poll) -> list[Reply]:
    return [Reply(ctx.t("polls.closed", title=pick(poll.title, ctx.lang)))]


async def _allowed(ctx: Context, record: PollRecord) -> bool:
    return await answers_store.may_join(ctx.session, record, ctx.contact.id)


async def record_choice(
    ctx: Context,
    record: PollRecord,
    poll: Poll,
    question: Question,
    option: PollOption,
    *,
    invited: bool = False,
    answers: dict[str, str] | None = None,
) -> list[Reply]:
    """Keep a chosen option (replacing an earlier answer), then go on. `invited`: the person's
    invitation row exists; `answers`: their answers to this poll, when the caller has them."""
    if store.is_closed(record, ctx.now):
        return _closed(ctx, poll)
    if not store.is_open(record, ctx.now):
        return [Reply(ctx.t("polls.not_open", title=pick(poll.title, ctx.lang)))]
    if not invited:
        await answers_store.join(ctx.session, poll.id, ctx.contact.id, ctx.now)
    if answers is None:
        answers = await answers_store.answers_of(ctx.session, poll.id, ctx.contact.id)
    previous = answers.get(question.id)
    await answers_store.record_answer(
        ctx.session,
        poll.id,
        question.id,
        ctx.contact,
        option.value,
        free_text=False,
        now=ctx.now,
        previous=previous,
    )
    answers = {**answers, question.id: option.value}
    label = _label(ctx, option)
    if previous is None:
        lead = ctx.t("polls.noted", answer=label)
    elif previous == option.value:
        lead = ctx.t("polls.same", answer=label)
    else:
        old = question.option(previous)
        lead = ctx.t("polls.changed", answer=label, previous=_label(ctx, old) if old else previous)
    return await _after(ctx, poll, question, lead, answers)


# --- SONDAGE / POLL, and option values ---------------------------------------------------------


async def keyword(ctx: Context) -> list[Reply] | None:
    """SONDAGE / POLL [poll [question value]]: list open polls, join one, or answer one."""
    parts = ctx.args.split()
    if not parts:
        return await _listing(ctx)
    record = await store.get(ctx.session, parts[0])
    if record is None and len(parts) > 1 and not _ID_LIKE.match(parts[0]):
        return None  # "sondage sur l'investissement ?" is a question for the FAQ
    invited = record is not None and (
        await answers_store.invitation(ctx.session, record.id, ctx.contact.id) is not None
    )
    if (
        record is None
        or record.status == "draft"
        or not (invited or await answers_store.in_audience(ctx.session, record, ctx.contact.id))
    ):
        # Someone else's poll gets the same answer as an unknown one.
        return await _listing(ctx, ctx.t("polls.unknown"))
    poll = definition(record)
    if len(parts) == 1:
        return await _join(ctx, record, poll)
    question = poll.question(parts[1])
    option = question.option(parts[2]) if question is not None and len(parts) == 3 else None
    if option is None:  # a forged or outdated button: show the poll where it stands
        return await _join(ctx, record, poll)
    return await record_choice(ctx, record, poll, question, option, invited=invited)


async def _listing(ctx: Context, lead: str | None = None) -> list[Reply]:
    found = [
        r for r in await answers_store.open_polls(ctx.session, ctx.now) if await _allowed(ctx, r)
    ]
    if not found:
        text = ctx.t("polls.none_open")
        return [ctx.menu(f"{lead}\n{text}" if lead else text)]
    if len(found) == 1 and lead is None:
        return await _join(ctx, found[0], definition(found[0]))
    options = tuple(Option(pick(definition(r).title, ctx.lang), f"POLL {r.id}") for r in found)
    text = ctx.t("polls.choose")
    return [Reply(f"{lead}\n{text}" if lead else text, options)]


async def _join(ctx: Context, record: PollRecord, poll: Poll) -> list[Reply]:
    if store.is_closed(record, ctx.now):
        return _closed(ctx, poll)
    if not store.is_open(record, ctx.now):
        return [Reply(ctx.t("polls.not_open", title=pick(poll.title, ctx.lang)))]
    await answers_store.join(ctx.session, poll.id, ctx.contact.id, ctx.now)
    answers = await answers_store.answers_of(ctx.session, poll.id, ctx.contact.id)
    waiting = next((q for q in poll.questions if q.id not in answers), None)
    title = pick(poll.title, ctx.lang)
    if waiting is None:  # everything answered: offer the first question again, to change it
        lead = ctx.t("polls.all_answered", title=title)
        return [Reply(lead), await _ask(ctx, poll, poll.questions[0])]
    return [Reply(ctx.t("polls.intro", title=title)), await _ask(ctx, poll, waiting)]


# --- free text ---------------------------------------------------------------------------------


async def free_text_step(ctx: Context) -> list[Reply] | None:
    """The answer to a free-text question (or PASSER / SKIP when it is optional)."""
    assert ctx.flow is not None
    record = await store.get(ctx.session, ctx.flow.data.get("poll", ""))
    poll = definition(record) if record is not None else None
    question = poll.question(ctx.flow.step) if poll is not None else None
    if record is None or poll is None or question is None:
        await ctx.end_flow()
        return None
    if store.is_closed(record, ctx.now):
        await ctx.end_flow()
        return _closed(ctx, poll)
    answers = await answers_store.answers_of(ctx.session, poll.id, ctx.contact.id)
    if fold(ctx.text) in SKIP_WORDS:
        if not question.optional:
            return [Reply(ctx.t("polls.needs_answer")), question_reply(ctx, poll, question)]
        return await _after(ctx, poll, question, ctx.t("polls.skipped"), answers)
    text = ctx.text[:FREE_TEXT_MAX]
    previous = answers.get(question.id)
    await answers_store.record_answer(
        ctx.session,
        poll.id,
        question.id,
        ctx.contact,
        text,
        free_text=True,
        now=ctx.now,
        previous=previous,
    )
    lead = ctx.t("polls.noted_text" if previous is None else "polls.changed_text")
    return await _after(ctx, poll, question, lead, {**answers, question.id: text})


# --- a number right after an invitation ---------------------------------------------------------


async def number_after_invitation(ctx: Context) -> list[Reply] | None:
    """Before the keywords: a bare number when the last message the person received is a poll
    invitation (through the outbox, which sets no `last_options`) answers its question. Else
    the number keeps the meaning the conversation gave it (the last reply's options)."""
    if not NUMBER.match(ctx.inbound.text):
        return None
    record = await answers_store.invitation_last_received(ctx.session, ctx.contact.id)
    if record is None:
        return None
    poll = definition(record)
    option = match_option(poll.questions[0], ctx.inbound.text)
    if option is None:
        return None
    # The invitation's row exists: the person received it.
    return await record_choice(ctx, record, poll, poll.questions[0], option, invited=True)


# --- a word while a question waits ---------------------------------------------------------------


async def word_answer(ctx: Context) -> list[Reply] | None:
    """A short message that names an option of a question waiting for this person; else None."""
    if len(ctx.text) > WORD_ANSWER_MAX:
        return None
    for _, record in await answers_store.invitations_of(ctx.session, ctx.contact.id):
        if store.is_closed(record, ctx.now):
            closed_at = record.closed_at or record.closes_at
            if closed_at is not None and ctx.now - closed_at > timedelta(days=CLOSED_NOTE_DAYS):
                continue
        poll = definition(record)
        answers = await answers_store.answers_of(ctx.session, poll.id, ctx.contact.id)
        choices = [q for q in poll.questions if not q.free_text]
        waiting = [q for q in choices if q.id not in answers]
        # The question waiting first; once all are answered, any (a changed answer).
        for question in waiting[:1] or choices:
            option = match_option(question, ctx.text)
            if option is not None:
                return await record_choice(
                    ctx, record, poll, question, option, invited=True, answers=answers
                )
    return None


# --- MES DONNEES --------------------------------------------------------------------------------


async def my_answers(ctx: Context) -> str | None:
    """A person's poll answers, for MES DONNEES (None if there are none)."""
    found = await answers_store.personal_answers(ctx.session, ctx.contact.id)
    if not found:
        return None
    lines = [ctx.t("polls.my_data")]
    for record, question_id, value in found:
        poll = definition(record)
        question = poll.question(question_id)
        option = question.option(value) if question is not None else None
        shown = _label(ctx, option) if option is not None else value
        asked = pick(question.text, ctx.lang) if question is not None else question_id
        lines.append(f"- {pick(poll.title, ctx.lang)}, {asked} {shown}")
    return "\n".join(lines)


KEYWORDS = [Keyword(("sondage", "sondages", "poll", "polls"), keyword, takes_argument=True)]
FLOWS = {FLOW: free_text_step}
BEFORE = [number_after_invitation]
