"""Tickets: a person's question handed to ministry staff, and the answer on its way back.

Staff see a ticket as a message in their Telegram group, sent through the outbox (kind "ticket",
source "ticket:<id>"); a reply to that message is matched through the provider id the dispatcher
recorded on the outbox row.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, contacts
from storage.models import Contact, OutboxItem, Ticket

KIND = "ticket"


def source(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


async def withdraw_undelivered(session: AsyncSession, contact_id: int) -> int:
    """Before a person is erased: notices of their questions (and answers to them) that are still
    waiting in the outbox are withdrawn with them. What already reached the staff group cannot be
    recalled from Telegram."""
    ids = (await session.scalars(select(Ticket.id).where(Ticket.contact_id == contact_id))).all()
    if not ids:
        return 0
    result = await session.execute(
        delete(OutboxItem).where(
            OutboxItem.source.in_([source(i) for i in ids]), OutboxItem.status == "queued"
        )
    )
    return result.rowcount or 0


def ticket_id_of(source_text: str) -> int | None:
    kind, _, rest = source_text.partition(":")
    return int(rest) if kind == KIND and rest.isdigit() else None


async def create(
    session: AsyncSession, contact: Contact, question: str, now: datetime, urgent: bool = False
) -> Ticket:
    ticket = Ticket(
        contact_id=contact.id, status="open", question=question, created_at=now, urgent=urgent
    )
    session.add(ticket)
    await session.flush()
    return ticket


async def get(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def open_for(session: AsyncSession, contact_id: int) -> Ticket | None:
    """The person's most recent open ticket."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.contact_id == contact_id, Ticket.status == "open")
        .order_by(Ticket.id.desc())
        .limit(1)
    )


async def list_open(session: AsyncSession, limit: int = 20) -> list[tuple[Ticket, Contact]]:
    """Open tickets, urgent ones first (someone in danger on the route), then oldest first."""
    rows = await session.execute(
        select(Ticket, Contact)
        .join(Contact, Contact.id == Ticket.contact_id)
        .where(Ticket.status == "open")
        .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return [(t, c) for t, c in rows.all()]


async def count_open(session: AsyncSession) -> int:
    query = select(func.count()).select_from(Ticket).where(Ticket.status == "open")
    return await session.scalar(query) or 0


async def staff_group(
    session: AsyncSession, address: str, language: str, now: datetime
) -> Contact:
    """The staff group's contact row, flagged so that it is never an audience."""
    group, _ = await contacts.get_or_create(session, address, "telegram", language, now)
    group.staff_chat = True
    return group


async def by_staff_message(
    session: AsyncSession, group_address: str, provider_id: str
) -> Ticket | None:
    """The ticket a message in the staff group was about (its notification or a follow-up)."""
    found = await session.scalar(
        select(OutboxItem.source)
        .where(
            OutboxItem.address == group_address,
            OutboxItem.provider_id == provider_id,
            OutboxItem.kind == KIND,
        )
        .limit(1)
    )
    ticket_id = ticket_id_of(found) if found else None
    return await session.get(Ticket, ticket_id) if ticket_id else None


async def answer(
    session: AsyncSession, ticket: Ticket, text: str, actor: str, now: datetime
) -> None:
    ticket.status = "answered"
    ticket.answer = text
    ticket.answered_by = actor
    ticket.answered_at = now
    waited = (now - ticket.created_at).total_seconds()
    await audit.record(
        session,
        actor,
        "ticket.answered",
        source(ticket.id),
        {"contact_id": ticket.contact_id, "waited_minutes": round(waited / 60)},
        at=now,
    )


async def response_times(session: AsyncSession) -> dict[str, int | None]:
    """Open tickets, answered ones, and the median and longest wait (minutes) for an answer.

    Tickets are answered by hand, so there are at most thousands: the durations are computed
    here rather than in each database's own date arithmetic.
    """
    rows = await session.execute(
        select(Ticket.created_at, Ticket.answered_at).where(Ticket.answered_at.is_not(None))
    )
    minutes = [(answered - created).total_seconds() / 60 for created, answered in rows.all()]
    return {
        "open": await count_open(session),
        "answered": len(minutes),
        "median_minutes": round(statistics.median(minutes)) if minutes else None,
        "max_minutes": round(max(minutes)) if minutes else None,
    }


async def inbox(
    session: AsyncSession, status: str | None = "open", limit: int = 50
) -> list[tuple[Ticket, Contact]]:
    """The staff's inbox (back office, `diaspora-bot tickets list`): urgent first when tickets
    carry an urgency flag (issue 12 adds one), then newest first."""
    query = select(Ticket, Contact).join(Contact, Contact.id == Ticket.contact_id)
    if status is not None:
        query = query.where(Ticket.status == status)
    urgent = getattr(Ticket, "urgent", None)
    order = [urgent.desc()] if urgent is not None else []
    query = query.order_by(*order, Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    return [(t, c) for t, c in (await session.execute(query)).all()]
