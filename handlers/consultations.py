"""Consultations: a person's question goes to ministry staff as a ticket; the answer comes back
on the person's own channel, through the outbox.

While a ticket is open the person is in the `consultation` flow: what they write joins the ticket
and is relayed to the staff group, until MENU (the ticket stays open for staff) or the answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import limits
from handlers.context import FIRST_AND_WHOLE, Context, HandlerConfig, MenuItem
from handlers.faq import ASK_STAFF
from handlers.router import Keyword
from handlers.vocabulary import Reply
from knowledge import gsm7
from knowledge.addresses import AddressError, mask, telegram_address
from knowledge.intents import SMALL_TALK, intents_of
from knowledge.locales import Locales
from knowledge.words import shipped, words
from storage import flows, outbox, staff_accounts, tickets
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


async def post_to_staff(
    session: AsyncSession,
    locales: Locales,
    config: HandlerConfig,
    ticket: Ticket,
    key: str,
    dedupe: str,
    now: datetime,
    not_before: datetime | None = None,
    **values: str,
) -> None:
    """Post to the staff group through the outbox (the group gets a contact row, flagged)."""
    address = staff_group_address(config)
    if address is None:
        return  # staff still see the ticket with /tickets and in the back office
    group = await tickets.staff_group(session, address, config.default_language, now)
    text = locales.t(group.language, key, id=ticket.id, **values)
    await outbox.enqueue(
        session,
        group,
        text,
        kind=tickets.KIND,
        source=tickets.source(ticket.id),
        dedupe_key=f"ticket:{ticket.id}:{dedupe}",
        now=now,
        not_before=not_before,
    )


async def _to_staff(
    ctx: Context,
    ticket: Ticket,
    key: str,
    dedupe: str,
    not_before: datetime | None = None,
    **values: str,
) -> None:
    values.setdefault("who", describe_person(ctx.contact))
    await post_to_staff(
        ctx.session, ctx.knowledge.locales, ctx.config, ticket, key, dedupe, ctx.now,
        not_before, **values,
    )  # fmt: skip


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


async def previous_question(ctx: Context) -> str | None:
    """The person's message before this one (a choice made from a list answers it)."""
    previous = await _previous_message(ctx)
    return previous.text.strip() if previous is not None and previous.text.strip() else None


async def open_urgent(ctx: Context, question: str) -> list[Reply]:
    """Someone in danger on the route: a counsellor request marked urgent, which staff see first
    (/tickets lists it first; the group notice says URGENT). An open ticket becomes urgent."""
    ctx.extra[FIRST_AND_WHOLE] = True
    ticket = await tickets.open_for(ctx.session, ctx.contact.id)
    if ticket is None:
        ticket = await tickets.create(ctx.session, ctx.contact, question, ctx.now, urgent=True)
    ticket.urgent = True
    message = await _current_message(ctx)
    if message is not None:
        message.ticket_id = ticket.id
    await _to_staff(
        ctx,
        ticket,
        "urgent.staff_new",
        f"urgent:{message.id if message else ctx.now.timestamp()}",
        language=ctx.contact.language,
        question=question[:QUESTION_PREVIEW],
    )
    await _follow(ctx, ticket)
    logger.info("urgent ticket %s opened by %s", ticket.id, mask(ctx.contact.address))
    return [
        Reply(
            ctx.t("urgent.created", id=ticket.id),
            sms_text=ctx.t("urgent.created_sms", id=ticket.id),
        )
    ]


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


async def request_now(ctx: Context) -> list[Reply]:
    """ "Je voudrais parler à un conseiller": the request is opened at once, with the question
    the bot could not answer just before if there was one, else with this message; what the
    person writes next joins it (and the reply says so)."""
    existing = await tickets.open_for(ctx.session, ctx.contact.id)
    offered = any(value == ASK_STAFF for _, value in ctx.contact.last_options or [])
    if existing is not None or offered:
        return await ask_staff(ctx)
    return await _open_ticket(ctx, ctx.text, await _current_message(ctx))


async def consultation(ctx: Context) -> list[Reply] | None:
    """The flow: the typed question opens a ticket; later messages join the open ticket."""
    assert ctx.flow is not None
    if ctx.flow.step == ASK:
        return await _open_ticket(ctx, ctx.text, await _current_message(ctx))
    ticket = await tickets.get(ctx.session, int(ctx.flow.data.get("ticket", 0)))
    if ticket is None or ticket.status != "open":
        await ctx.end_flow()
        return None  # answered meanwhile: the message is an ordinary question again
    if _small_talk(ctx):
        # "merci", "ok", "a ka di", "au revoir" while waiting: said to us, not a detail of the
        # question; staff are not notified and the person knows the question is still open.
        return [Reply(ctx.t("staff.consult_small_talk", id=ticket.id))]
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


def _small_talk(ctx: Context) -> bool:
    found = intents_of(ctx.knowledge).match(ctx.text)
    return found is not None and found.intent in SMALL_TALK


async def leave(ctx: Context) -> list[Reply] | None:
    """MENU while a ticket is open: leave the relay; the ticket stays open for staff."""
    if ctx.flow is None or ctx.flow.flow != FLOW or ctx.flow.step != OPEN:
        return None
    ticket_id = ctx.flow.data.get("ticket")
    await ctx.end_flow()
    return [ctx.menu(ctx.t("staff.consult_left", id=ticket_id))]


async def send_answer(
    session: AsyncSession,
    locales: Locales,
    ticket: Ticket,
    answer: str,
    actor: str,
    now: datetime,
) -> str | None:
    """A staff member's answer, from any face (Telegram, back office, command line): to the
    person on their channel through the outbox, the ticket answered (audited as `actor`).

    Returns None, or why not ("already_answered", "empty").
    """
    if ticket.status != "open":
        return "already_answered"
    if not answer.strip():
        return "empty"
    person = await session.get(Contact, ticket.contact_id)
    assert person is not None  # tickets go with their person (ON DELETE CASCADE)
    body = locales.t(person.language, "staff.consult_answer", id=ticket.id, answer=answer.strip())
    if person.channel == "sms":
        body = gsm7.transliterate(body)  # our words: GSM-7 where nothing is lost
    # An answer to the person's own question: sent even if they opted out of bulk messages.
    await outbox.enqueue(
        session,
        person,
        body,
        kind=tickets.KIND,
        source=tickets.source(ticket.id),
        dedupe_key=f"ticket:{ticket.id}:answer",
        now=now,
    )
    await tickets.answer(session, ticket, answer.strip(), actor, now)
    state = await flows.current(session, person.id)
    if state is not None and state.flow == FLOW:
        await flows.clear(session, person.id)  # their next message is a question again
    logger.info("ticket %s answered for %s", ticket.id, mask(person.address))
    return None


async def deliver_answer(ctx: Context, ticket: Ticket, answer: str) -> str | None:
    """An answer typed on Telegram (/reply, or a reply in the staff group)."""
    actor = await staff_actor(ctx)
    why = await send_answer(ctx.session, ctx.knowledge.locales, ticket, answer, actor, ctx.now)
    if why is None:
        message = await _current_message(ctx)
        if message is not None:
            message.ticket_id = ticket.id
    return why


async def staff_actor(ctx: Context) -> str:
    """A Telegram staff member's audit name: their back-office account when it is linked to
    their Telegram user id (one person, one actor everywhere), else `telegram:<id>`."""
    account = await staff_accounts.by_telegram_id(ctx.session, str(ctx.inbound.user_id))
    if account is not None:
        return staff_accounts.actor(account)
    return f"telegram:{ctx.inbound.user_id}"


async def tell_staff_answered(ctx: Context, ticket: Ticket) -> None:
    """A ticket answered outside the staff group (/reply in a private chat): the group is told,
    the same way it was told of the ticket, so that no one there answers it a second time."""
    if ctx.inbound.address == staff_group_address(ctx.config):
        return  # answered in the group itself: everyone there saw it
    by = ctx.inbound.user_name or f"telegram:{ctx.inbound.user_id}"
    await _to_staff(ctx, ticket, "staff.consult_staff_answered", "answered", by=by)


KEYWORDS = [
    # Before the core's MENU, which would leave the flow without saying the ticket stays open.
    Keyword(("menu", "accueil", "home", "0", *sorted(words(shipped(), "cancel"))), leave),
    Keyword(("cancel",), leave, channels=("console", "telegram")),  # on SMS, CANCEL stops
    Keyword(
        ("conseiller", "conseillere", "advisor", "adviser", "agent", "humain", "human"),
        ask_staff,
    ),
]
FLOWS = {FLOW: consultation}
MENU = (MenuItem("menu.advisor", ASK_STAFF),)
