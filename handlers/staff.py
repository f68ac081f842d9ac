"""Staff commands on Telegram: /tickets, /reply, /stats, /gaps, /staff; and the staff group,
where new tickets appear and a reply to a ticket's message answers the person.

Rights come from `Context.is_staff` only (Telegram user ids in the settings). For anyone else a
command is not a command: the handler returns None and the text goes on through the router as an
ordinary question, so nothing about the staff tools leaks.
"""

from __future__ import annotations

import re

from handlers import announcements, consultations, staff_broadcasts, staff_polls
from handlers.context import Context
from handlers.router import Keyword
from handlers.vocabulary import Reply
from knowledge.text import clean
from storage import gaps, stats, tickets

TICKETS_LIMIT = 20
GAPS_LIMIT = 20
_REPLY_ARGS = re.compile(r"^#?(\d+)\s+(.+)$", re.DOTALL)


async def help_(ctx: Context) -> list[Reply] | None:
    """/staff: the staff's commands, as this person's rights allow."""
    if not ctx.is_staff():
        return None
    admin = ctx.is_staff(admin=True)
    key = "staff.help_admin" if admin else "staff.help_agent"
    polls = "staff.polls_help_admin" if admin else "staff.polls_help_agent"
    return [Reply(ctx.t(key).rstrip("\n") + "\n" + ctx.t(polls))]


async def open_tickets(ctx: Context) -> list[Reply] | None:
    """/tickets: the open tickets, oldest first (agents and admins)."""
    if not ctx.is_staff():
        return None
    found = await tickets.list_open(ctx.session, TICKETS_LIMIT)
    if not found:
        return [Reply(ctx.t("staff.tickets_none"))]
    lines = [ctx.t("staff.tickets_title", n=await tickets.count_open(ctx.session))]
    for ticket, person in found:
        lines.append(
            (ctx.t("urgent.mark") if ticket.urgent else "")
            + ctx.t(
                "staff.tickets_line",
                id=ticket.id,
                who=consultations.describe_person(person),
                language=person.language,
                at=announcements.local(ticket.created_at),
                question=ticket.question[: consultations.QUESTION_PREVIEW],
            )
        )
    lines.append(ctx.t("staff.tickets_hint"))
    return [Reply("\n".join(lines))]


async def reply(ctx: Context) -> list[Reply] | None:
    """/reply ID text: answer a ticket; the person gets it on their channel (agents, admins)."""
    if not ctx.is_staff():
        return None
    match = _REPLY_ARGS.match(ctx.args.strip())
    if not match:
        return [Reply(ctx.t("staff.reply_usage"))]
    ticket = await tickets.get(ctx.session, int(match.group(1)))
    if ticket is None:
        return [Reply(ctx.t("staff.ticket_not_found", id=match.group(1)))]
    return await _answer(ctx, ticket, match.group(2))


async def _answer(ctx: Context, ticket, text: str) -> list[Reply]:  # type: ignore[no-untyped-def]
    why = await consultations.deliver_answer(ctx, ticket, text)
    if why == "already_answered":
        return [Reply(ctx.t("staff.ticket_already", id=ticket.id, by=ticket.answered_by or "?"))]
    await consultations.tell_staff_answered(ctx, ticket)
    return [Reply(ctx.t("staff.reply_sent", id=ticket.id))]


async def show_stats(ctx: Context) -> list[Reply] | None:
    """/stats: who uses the bot, what is queued, how fast tickets are answered."""
    if not ctx.is_staff():
        return None
    figures = await stats.summary(ctx.session)
    waits = figures.pop("tickets")
    lines = [ctx.t("staff.stats_title")]
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) or "-"
        lines.append(f"{key}: {value}")
    lines.append(
        ctx.t(
            "staff.stats_tickets",
            open=waits["open"],
            answered=waits["answered"],
            median=_duration(waits["median_minutes"]),
            longest=_duration(waits["max_minutes"]),
        )
    )
    return [Reply("\n".join(lines))]


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "-"
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} j/d"


async def show_gaps(ctx: Context) -> list[Reply] | None:
    """/gaps: the questions the bot could not answer, most frequent first."""
    if not ctx.is_staff():
        return None
    found = await gaps.most_frequent(ctx.session, GAPS_LIMIT)
    if not found:
        return [Reply(ctx.t("staff.gaps_none"))]
    lines = [ctx.t("staff.gaps_title")]
    for gap in found:
        best = f" → {gap.best_entry}" if gap.best_entry else ""
        lines.append(f"{gap.count}× [{gap.language}] {gap.example[:200]}{best}")
    return [Reply("\n".join(lines))]


# What staff may type in their group (a flow there would be shared by the whole group, so the
# /broadcast flow stays in private chats).
GROUP_COMMANDS = (
    help_,
    open_tickets,
    reply,
    show_stats,
    show_gaps,
    staff_broadcasts.listing,
    staff_polls.listing,
    staff_polls.results,
)


async def in_staff_group(ctx: Context) -> list[Reply] | None:
    """The staff group: a reply to a ticket's message answers it; staff commands work; the bot
    says nothing else there, and nothing at all to someone who is not staff."""
    group = consultations.staff_group_address(ctx.config)
    if group is None or ctx.inbound.address != group:
        return None
    ctx.contact.staff_chat = True  # never an audience, whoever created its row
    if not ctx.is_staff():
        return []
    if ctx.text.startswith("/"):
        for keyword, argument in ctx.router.keywords_for(ctx.text, ctx.channel):
            if keyword.handler in GROUP_COMMANDS:
                ctx.args = argument
                return await keyword.handler(ctx) or []
        return []
    if ctx.inbound.reply_to:
        ticket = await tickets.by_staff_message(ctx.session, group, ctx.inbound.reply_to)
        if ticket is not None:
            ticket.staff_message_id = ticket.staff_message_id or _int(ctx.inbound.reply_to)
            return await _answer(ctx, ticket, clean(ctx.inbound.text))
    return []  # staff talking among themselves


def _int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


TELEGRAM = ("telegram",)
KEYWORDS = [
    Keyword(("staff",), help_, channels=TELEGRAM),
    Keyword(("tickets",), open_tickets, channels=TELEGRAM),
    Keyword(("reply", "repondre"), reply, takes_argument=True, channels=TELEGRAM),
    Keyword(("stats",), show_stats, channels=TELEGRAM),
    Keyword(("gaps", "lacunes"), show_gaps, channels=TELEGRAM),
    *staff_broadcasts.KEYWORDS,
    *staff_polls.KEYWORDS,
]
FLOWS = {**staff_broadcasts.FLOWS, **staff_polls.FLOWS}
BEFORE = [in_staff_group, *staff_broadcasts.BEFORE, *staff_polls.BEFORE]
