"""Consultations: a person's question goes to ministry staff as a ticket; the answer comes back
on the person's own channel, through the outbox.

While a ticket is open the person is in the `consultation` flow: what they write joins the ticket
and is relayed to the staff group, until MENU (the ticket stays open for staff) or the answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from handlers import limits
from handlers.context import Context, HandlerConfig, MenuItem
from handlers.faq import ASK_STAFF
from handlers.router import Keyword
from handlers.vocabulary import Reply
from knowledge import gsm7
from knowledge.addresses import AddressError, mask, telegram_address
from storage import flows, outbox, tickets
from storage.models import Contact, Message, Ticket

logger = logging.getLogger(__name__)

FLOW = "consultation"
ASK, OPEN = "ask", "open"
# A person may wait days for a counsellor; their follow-ups keep joining the ticket meanwhile.
OPEN_TICKET_TTL = timedelta(days=14)
QUESTION_PREVIEW = 700  # characters of a question shown in the staff's lists


def staff_group_address(config: HandlerConfig) -> str | None:
    """The staff group's address (`telegram:<STAFF_CHAT_ID>`), or None if there is none."""
    if not config.staff_chat_id:
        return None
    try:
        return telegram_address(config.staff_chat_id)
    except (AddressError, ValueError):
        logger.error("STAFF_CHAT_ID is not a Telegram chat id; tickets are not posted")
        return None


def describe_person(contact: Contact) -> str:
    """How staff see a person: channel and masked address, never a phone number."""
    return f"{contact.channel} {mask(contact.address)}"


async def _current_message(ctx: Context) -> Message | None:
    """The inbound message being handled (the conversation stored it a moment ago)."""
    return await ctx.session.scalar(
        select(Message)
        .where(Message.contact_id == ctx.contact.id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    )


async def _previous_message(ctx: Context) -> Message | None:
    return await ctx.session.scalar(
        select(Message)
        .where(Message.contact_id == ctx.contact.id, Message.direction == "in")
        .order_by(Message.id.desc())
        .offset(1)
        .limit(1)
    )


async def _to_staff(
    ctx: Context,
    ticket: Ticket,
    key: str,
    dedupe: str,
    not_before: datetime | None = None,
    **values: str,
) -> None:
    """Post to the staff group through the outbox (the group gets a contact row, flagged)."""
    address = staff_group_address(ctx.config)
    if address is None:
        return  # staff still see the ticket with /tickets
    group = await tickets.staff_group(ctx.session, address, ctx.config.default_language, ctx.now)
    text = ctx.t(key, group.language, id=ticket.id, who=describe_person(ctx.contact), **values)
    await outbox.enqueue(
        ctx.session,
        group,
        text,
        kind=tickets.KIND,
        source=tickets.source(ticket.id),
        dedupe_key=f"ticket:{ticket.id}:{dedupe}",
        now=ctx.now,
        not_before=not_before,
    )


async def _follow(ctx: Context, ticket: Ticket) -> None:
    """Put the person in the relay mode of an open ticket."""
    ctx.flow = await flows.save(
        ctx.session, ctx.contact.id, FLOW, OPEN, {"ticket": ticket.id}, ctx.now, OPEN_TICKET_TTL
    )


async def _open_ticket(ctx: Context, question: str, message: Message | None) -> list[Reply]:
    ticket = await tickets.create(ctx.session, ctx.contact, question, ctx.now)
    if message is not None:
        message.ticket_id = ticket.id
    await _to_staff(
        ctx,
        ticket,
        "staff.consult_staff_new",
        "new",
        language=ctx.contact.language,
        question=question[:QUESTION_PREVIEW],
    )
    await _follow(ctx, ticket)
    logger.info("ticket %s opened by %s", ticket.id, mask(ctx.contact.address))
    return [Reply(ctx.t("staff.consult_created", id=ticket.id))]


async def ask_staff(ctx: Context) -> list[Reply]:
    """CONSEILLER / ADVISOR: hand the question the bot could not answer to a person."""
    existing = await tickets.open_for(ctx.session, ctx.contact.id)
    if existing is not None:
        await _follow(ctx, existing)
        return [Reply(ctx.t("staff.consult_already_open", id=existing.id))]
    offered = any(value == ASK_STAFF for _, value in ctx.contact.last_options or [])
    if offered:  # chosen right after "I don't know": the question is the message before
        previous = await _previous_message(ctx)
        if previous is not None and previous.text.strip():
            return await _open_ticket(ctx, previous.text.strip(), previous)
    await ctx.start_flow(FLOW, ASK)
    return [Reply(ctx.t("staff.consult_ask"))]


async def consultation(ctx: Context) -> list[Reply] | None:
    """The flow: the typed question opens a ticket; later messages join the open ticket."""
    assert ctx.flow is not None
    if ctx.flow.step == ASK:
        return await _open_ticket(ctx, ctx.text, await _current_message(ctx))
    ticket = await tickets.get(ctx.session, int(ctx.flow.data.get("ticket", 0)))
    if ticket is None or ticket.status != "open":
        await ctx.end_flow()
        return None  # answered meanwhile: the message is an ordinary question again
    message = await _current_message(ctx)
    if message is not None:
        message.ticket_id = ticket.id
    # One staff notice per ticket per few minutes: a follow-up joins the notice still queued.
    preview = ctx.text[:QUESTION_PREVIEW]
    joined, not_before = await limits.batched_notice(
        ctx, tickets.source(ticket.id), tickets.KIND, f"+ {preview}"
    )
    if not joined:
        await _to_staff(
            ctx,
            ticket,
            "staff.consult_staff_follow_up",
            f"msg:{message.id if message else ctx.now.timestamp()}",
            not_before=not_before,
            text=preview,
        )
    await _follow(ctx, ticket)  # the wait starts again from the person's last word
    return [Reply(ctx.t("staff.consult_added", id=ticket.id))]


async def leave(ctx: Context) -> list[Reply] | None:
    """MENU while a ticket is open: leave the relay; the ticket stays open for staff."""
    if ctx.flow is None or ctx.flow.flow != FLOW or ctx.flow.step != OPEN:
        return None
    ticket_id = ctx.flow.data.get("ticket")
    await ctx.end_flow()
    return [ctx.menu(ctx.t("staff.consult_left", id=ticket_id))]


async def deliver_answer(ctx: Context, ticket: Ticket, answer: str) -> str | None:
    """A staff member's answer: to the person on their channel, the ticket answered (audited).

    Returns None, or why not ("already_answered").
    """
    if ticket.status != "open":
        return "already_answered"
    person = await ctx.session.get(Contact, ticket.contact_id)
    assert person is not None  # tickets go with their person (ON DELETE CASCADE)
    body = ctx.t("staff.consult_answer", person.language, id=ticket.id, answer=answer.strip())
    if person.channel == "sms":
        body = gsm7.transliterate(body)  # our words: GSM-7 where nothing is lost
    # An answer to the person's own question: sent even if they opted out of bulk messages.
    await outbox.enqueue(
        ctx.session,
        person,
        body,
        kind=tickets.KIND,
        source=tickets.source(ticket.id),
        dedupe_key=f"ticket:{ticket.id}:answer",
        now=ctx.now,
    )
    await tickets.answer(
        ctx.session, ticket, answer.strip(), f"telegram:{ctx.inbound.user_id}", ctx.now
    )
    state = await flows.current(ctx.session, person.id)
    if state is not None and state.flow == FLOW:
        await flows.clear(ctx.session, person.id)  # their next message is a question again
    message = await _current_message(ctx)
    if message is not None:
        message.ticket_id = ticket.id
    logger.info("ticket %s answered for %s", ticket.id, mask(person.address))
    return None


async def tell_staff_answered(ctx: Context, ticket: Ticket) -> None:
    """A ticket answered outside the staff group (/reply in a private chat): the group is told,
    the same way it was told of the ticket, so that no one there answers it a second time."""
    if ctx.inbound.address == staff_group_address(ctx.config):
        return  # answered in the group itself: everyone there saw it
    by = ctx.inbound.user_name or f"telegram:{ctx.inbound.user_id}"
    await _to_staff(ctx, ticket, "staff.consult_staff_answered", "answered", by=by)


KEYWORDS = [
    # Before the core's MENU, which would leave the flow without saying the ticket stays open.
    Keyword(("menu", "accueil", "home", "0", "annuler", "retour", "back", "quitter"), leave),
    Keyword(("cancel",), leave, channels=("console", "telegram")),  # on SMS, CANCEL stops
    Keyword(
        ("conseiller", "conseillere", "advisor", "adviser", "agent", "humain", "human"),
        ask_staff,
    ),
]
FLOWS = {FLOW: consultation}
MENU = (MenuItem("menu.advisor", ASK_STAFF),)
