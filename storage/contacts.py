"""Contacts: finding, creating and changing the people the bot talks to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, FlowState, Message, OutboxItem, Registration, utcnow

# Built once: a statement is an object tree, and building it costs more than running it.
_BY_ADDRESS = select(Contact).where(Contact.address == bindparam("address"))
_WITH_FLOW = (
    select(Contact, FlowState)
    .outerjoin(FlowState, FlowState.contact_id == Contact.id)
    .where(Contact.address == bindparam("address"))
)


async def by_address(session: AsyncSession, address: str) -> Contact | None:
    return await session.scalar(_BY_ADDRESS, {"address": address})


async def with_flow(
    session: AsyncSession, address: str
) -> tuple[Contact | None, FlowState | None]:
    """The contact for this address and the flow they are in, in one query."""
    row = (await session.execute(_WITH_FLOW, {"address": address})).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def get_or_create(
    session: AsyncSession, address: str, channel: str, language: str, now: datetime | None = None
) -> tuple[Contact, bool]:
    """The contact for this address, and whether it was just created."""
    contact = await by_address(session, address)
    if contact is not None:
        return contact, False
    return await create(session, address, channel, language, now), True


async def create(
    session: AsyncSession, address: str, channel: str, language: str, now: datetime | None = None
) -> Contact:
    """A new contact (flushed: it has its id)."""
    contact = Contact(
        address=address,
        channel=channel,
        language=language,
        created_at=now or utcnow(),
        opted_out=False,
        unreachable=False,
        subscribed=False,
        awareness_offered=False,
        awareness_next=1,
        consent="self",
    )
    session.add(contact)
    await session.flush()
    return contact


async def opt_out(session: AsyncSession, contact: Contact, now: datetime) -> int:
    """Stop every bulk message at once, queued ones included; returns how many were cancelled."""
    contact.opted_out = True
    contact.opted_out_at = now
    contact.subscribed = False
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.contact_id == contact.id, OutboxItem.status == "queued")
        .values(status="cancelled", error="opted out")
    )
    return result.rowcount or 0


def opt_in(contact: Contact) -> None:
    contact.opted_out = False
    contact.opted_out_at = None


async def personal_data_counts(session: AsyncSession, contact: Contact) -> dict[str, int]:
    registrations = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.contact_id == contact.id, Registration.status != "cancelled")
    )
    messages = await session.scalar(
        select(func.count()).select_from(Message).where(Message.contact_id == contact.id)
    )
    return {"registrations": registrations or 0, "messages": messages or 0}


async def delete(session: AsyncSession, contact: Contact) -> None:
    """Erase a person; registrations, messages, flow and outbox go too (ON DELETE CASCADE)."""
    await session.delete(contact)
    await session.flush()
