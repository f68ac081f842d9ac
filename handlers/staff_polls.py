"""Polls from the staff's Telegram chat with the bot (issue 17), as the command line has them:
/polls (each poll's state, invited, respondents), /poll_results ID [country|channel|language],
/poll_close ID and /poll_send ID SEGMENT, with the broadcasts' preview and confirmation.

/polls and /poll_results are for staff (agents and admins); free-text answers are shown to
admins only, and never in the staff group (everyone there reads them); no result says who
answered what. /poll_close and /poll_send are for admins, audited with the staff account. For
anyone else a command is not a command (None): the text goes on as an ordinary message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers import consultations, poll_sending, staff_broadcasts
from handlers.context import Context
from handlers.polls import definition
from handlers.router import Keyword
from handlers.segments import SegmentError, parse
from handlers.vocabulary import Reply
from knowledge.polls import Poll, pick
from storage import poll_results as results_store
from storage import polls as store
from storage.audience import Audience
from storage.models import PollRecord

FLOW = "poll_send"
LIST_LIMIT = 20  # the latest polls in /polls
GROUPS_SHOWN = 12  # groups per question in /poll_results ID country (the largest first)
FREE_TEXT_SHOWN = 10  # free-text answers per question (admins), each cut at FREE_TEXT_CHARS
FREE_TEXT_CHARS = 200
QUESTION_CHARS = 80
MESSAGE_CHARS = 3800  # a Telegram message holds 4,096 characters; room for the renderer


def _state(record: PollRecord, now: datetime) -> str:
    if store.is_closed(record, now):
        return "closed"
    if store.is_open(record, now):
        return "open"
    return "draft" if record.status == "draft" else "waiting"  # sent, not yet open


async def listing(ctx: Context) -> list[Reply] | None:
    """/polls: the latest polls with their state, invited and respondents (staff)."""
    if not ctx.is_staff():
        return None
    found = (await store.listing(ctx.session))[-LIST_LIMIT:]
    if not found:
        return [Reply(ctx.t("staff.polls_none"))]
    lines = [ctx.t("staff.polls_title")]
    for row in reversed(found):  # the latest first
        record = row.record
        lines.append(
            ctx.t(
                "staff.polls_line",
                id=record.id,
                title=pick(definition(record).title, ctx.lang),
                state=ctx.t(f"staff.polls_state_{_state(record, ctx.now)}"),
                sent=row.invited,
                respondents=row.respondents,
            )
        )
    lines.append(ctx.t("staff.polls_hint"))
    return [Reply("\n".join(lines))]


async def results(ctx: Context) -> list[Reply] | None:
    """/poll_results ID [country|channel|language]: the CLI's results, as a short text (staff)."""
    if not ctx.is_staff():
        return None
    parts = ctx.args.split()
    by = parts[1].lower() if len(parts) == 2 else None
    if not parts or len(parts) > 2 or (by is not None and by not in results_store.GROUPS):
        return [Reply(ctx.t("staff.poll_results_usage"))]
    record = await store.get(ctx.session, parts[0])
    if record is None:
        return [Reply(ctx.t("staff.poll_not_found", id=parts[0][:40]))]
    in_group = ctx.inbound.address == consultations.staff_group_address(ctx.config)
    found = await results_store.results(
        ctx.session, record, by=by, free_text=ctx.is_staff(admin=True) and not in_group
    )
    return [Reply(results_text(ctx, definition(record), found, by))]


def results_text(ctx: Context, poll: Poll, found: dict[str, Any], by: str | None) -> str:
    """The results in lines that read on a phone: per question, each option's count and
    percentage; per group when asked (the largest groups); free text when given."""
    lines = [
        ctx.t("staff.poll_results_title", id=poll.id, title=pick(poll.title, ctx.lang)),
        ctx.t(
            "staff.poll_results_rate",
            sent=found["sent"],
            respondents=found["respondents"],
            rate=f"{results_store.response_rate(found):g}",
        ),
    ]
    for n, (question, shown) in enumerate(zip(poll.questions, found["questions"], strict=True)):
        text = pick(question.text, ctx.lang)
        if len(text) > QUESTION_CHARS:
            text = text[: QUESTION_CHARS - 1] + "…"
        lines.append("")
        answers = shown["answers"]
        lines.append(ctx.t("staff.poll_results_question", n=n + 1, text=text, answers=answers))
        labels = {o.value: pick(o.label, ctx.lang) for o in question.options}
        labels["answers"] = ctx.t("staff.poll_results_free")  # a free-text question's tally
        order = {value: n for n, value in enumerate(labels)}  # the poll's order of options
        for option in shown["options"]:
            bar = "▇" * round(option["percent"] / 10)  # a bar chart in text: 10 % a mark
            line = f"• {labels[option['value']]}: {option['count']} ({option['percent']:g} %)"
            lines.append(f"{line} {bar}" if bar else line)
        groups = sorted(shown.get("by", {}).items(), key=lambda item: -sum(item[1].values()))
        for group, tally in groups[:GROUPS_SHOWN]:
            ordered = sorted(tally.items(), key=lambda item: order.get(item[0], len(order)))
            counts = ", ".join(f"{labels.get(v, v)} {count}" for v, count in ordered)
            lines.append(f"  {group}: {counts}")
        if len(groups) > GROUPS_SHOWN:
            lines.append(ctx.t("staff.poll_results_more_groups", n=len(groups) - GROUPS_SHOWN))
        texts = shown.get("free_text", [])
        for answer in texts[:FREE_TEXT_SHOWN]:
            lines.append(f"  – {answer[:FREE_TEXT_CHARS]}")
        if len(texts) > FREE_TEXT_SHOWN:
            lines.append(ctx.t("staff.poll_results_more_text", n=len(texts) - FREE_TEXT_SHOWN))
    text = "\n".join(lines)
    if len(text) > MESSAGE_CHARS:
        cut = ctx.t("staff.poll_results_cut", id=poll.id)
        text = text[: MESSAGE_CHARS - len(cut) - 1].rsplit("\n", 1)[0] + "\n" + cut
    return text


async def close(ctx: Context) -> list[Reply] | None:
    """/poll_close ID: answers stop, invitations still waiting are cancelled (admins, audited)."""
    if not ctx.is_staff(admin=True):
        return None
    poll_id = ctx.args.strip()
    if not poll_id or " " in poll_id:
        return [Reply(ctx.t("staff.poll_close_usage"))]
    try:
        await store.close(ctx.session, poll_id, await staff_broadcasts.actor(ctx), ctx.now)
    except store.PollStateError as error:
        return [Reply(ctx.t(f"staff.poll_{error.code}", id=poll_id[:40]))]
    return [Reply(ctx.t("staff.poll_close_done", id=poll_id))]


async def send(ctx: Context) -> list[Reply] | None:
    """/poll_send ID SEGMENT: the preview, with the broadcasts' confirmation (admins)."""
    if not ctx.is_staff(admin=True):
        return None
    parts = ctx.args.split(None, 1)
    if len(parts) < 2:
        return [Reply(ctx.t("staff.poll_send_usage"))]
    record = await store.get(ctx.session, parts[0])
    if record is None:
        return [Reply(ctx.t("staff.poll_not_found", id=parts[0][:40]))]
    if store.is_closed(record, ctx.now):
        return [Reply(ctx.t("staff.poll_closed", id=record.id))]
    try:
        audience = parse(parts[1], languages=ctx.knowledge.locales.languages)
        when = poll_sending.send_time(definition(record), ctx.now)
    except SegmentError as error:
        return [Reply(ctx.t(f"staff.segment_{error.code}", **error.values))]
    except store.PollStateError as error:
        return [Reply(ctx.t(f"staff.poll_{error.code}", id=record.id))]
    data = {
        "poll": record.id,
        "segment": audience.canonical(),
        "send_at": when.isoformat(),
        "now": when <= ctx.now,
    }
    await ctx.start_flow(FLOW, "confirm", data)
    return [await _preview(ctx, record, data)]


async def _preview(ctx: Context, record: PollRecord, data: dict) -> Reply:
    poll = definition(record)
    shown = await poll_sending.preview(
        ctx.session,
        ctx.knowledge.locales,
        poll,
        Audience.from_canonical(data["segment"]),
        now=ctx.now,
        interval=ctx.config.poll_invitation_interval,
    )
    lines = [
        ctx.t("staff.poll_preview_title", id=poll.id, title=pick(poll.title, ctx.lang)),
        ctx.t("staff.bc_preview_segment", segment=data["segment"]),
        ctx.t("staff.bc_preview_when", when=staff_broadcasts.when_text(ctx, data)),
        ctx.t(
            "staff.poll_preview_left_out",
            days=f"{ctx.config.poll_invitation_interval.total_seconds() / 86400:g}",
        ),
        *staff_broadcasts.audience_lines(ctx, shown),
    ]
    return Reply("\n".join(lines), staff_broadcasts.confirm_options(ctx))


async def step(ctx: Context) -> list[Reply] | None:
    """The answer to the preview: send, discard, or anything else shows it again."""
    assert ctx.flow is not None
    if not ctx.is_staff(admin=True):  # rights may have been withdrawn since the preview
        await ctx.end_flow()
        return None
    data = dict(ctx.flow.data)
    said = staff_broadcasts.decision(ctx)
    if said == "discard":
        await ctx.end_flow()
        return [Reply(ctx.t("staff.poll_send_discarded", id=data["poll"]))]
    record = await store.get(ctx.session, data["poll"])
    if record is None or store.is_closed(record, ctx.now):  # closed meanwhile (CLI, another admin)
        await ctx.end_flow()
        return [Reply(ctx.t("staff.poll_closed", id=data["poll"]))]
    if said is None:
        return [await _preview(ctx, record, data)]
    sent = await poll_sending.send(
        ctx.session,
        ctx.knowledge.locales,
        record,
        definition(record),
        Audience.from_canonical(data["segment"]),
        send_at=ctx.now if data.get("now") else datetime.fromisoformat(data["send_at"]),
        interval=ctx.config.poll_invitation_interval,
        actor=await staff_broadcasts.actor(ctx),
        now=ctx.now,
    )
    await ctx.end_flow()
    when = staff_broadcasts.when_text(ctx, data)
    return [Reply(ctx.t("staff.poll_send_done", id=record.id, n=sent.recipients, when=when))]


async def confirmation(ctx: Context) -> list[Reply] | None:
    """Before the keywords: OUI, SEND or the button answer the preview, not another feature;
    MENU and the cancel words leave it as they leave a broadcast's draft."""
    if ctx.flow is None or ctx.flow.flow != FLOW or staff_broadcasts.leaving(ctx):
        return None
    return await step(ctx)


TELEGRAM = ("telegram",)
KEYWORDS = [
    Keyword(("polls",), listing, channels=TELEGRAM),
    Keyword(
        ("poll_results", "resultats_sondage"), results, takes_argument=True, channels=TELEGRAM
    ),
    Keyword(("poll_close", "clore_sondage"), close, takes_argument=True, channels=TELEGRAM),
    Keyword(("poll_send", "envoyer_sondage"), send, takes_argument=True, channels=TELEGRAM),
]
FLOWS = {FLOW: step}
BEFORE = [confirmation]
