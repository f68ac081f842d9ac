"""Erasure that erases: everything tied to a person, in every table, goes or is anonymised.

The contact row's cascade takes their messages, flow, registrations, tickets and queued
messages. What the cascade cannot see is removed here:
- the notices about their tickets sent to the staff group (outbox rows and the messages logged
  for them) and staff's answers in the group: their text becomes ERASED (the copy already shown
  in the staff's Telegram group cannot be recalled: the documented exception, docs/privacy.md);
- knowledge gaps whose example is one of their questions: deleted when they were its only asker,
  else the example is replaced by the question's normalised key (what the others asked too);
- invitations to or from their number;
- their number in the messages of the people who invited them (typed in FAMILLE, echoed in our
  "invitation sent to ..." reply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import tickets
from storage.models import Contact, Invitation, KnowledgeGap, Message, OutboxItem, Ticket

ERASED = "[effacé à la demande de la personne / erased at the person's request]"


async def erase(
    session: AsyncSession,
    contact: Contact,
    *,
    gap_examples: Iterable[str] = (),
    scrub_number: Callable[[str], str] | None = None,
) -> None:
    """Erase `contact` and every trace of them.

    `gap_examples`: their questions as the gaps list stores them (masked, cleaned: the caller
    knows how). `scrub_number(text)`: the text with this person's number masked, for the
    messages of the people who invited them (the caller knows how numbers are written)."""
    ticket_ids = list(
        await session.scalars(select(Ticket.id).where(Ticket.contact_id == contact.id))
    )
    if ticket_ids:
        sources = [tickets.source(i) for i in ticket_ids]
        notice_ids = list(
            await session.scalars(select(OutboxItem.id).where(OutboxItem.source.in_(sources)))
        )
        about = [Message.ticket_id.in_(ticket_ids)]
        if notice_ids:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(notice_ids))
                .values(text=ERASED)
                .execution_options(synchronize_session=False)
            )
            about.append(Message.outbox_id.in_(notice_ids))
        await session.execute(
            update(Message)
            .where(or_(*about))
            .values(text=ERASED)
            .execution_options(synchronize_session=False)
        )
    examples = sorted({e for e in gap_examples if e})
    if examples:
        for gap in await session.scalars(
            select(KnowledgeGap).where(KnowledgeGap.example.in_(examples))
        ):
            if gap.count <= 1:
                await session.delete(gap)
            else:
                gap.example = gap.normalised
    inviters = list(
        await session.scalars(
            select(Invitation.invited_by_id).where(
                Invitation.address == contact.address, Invitation.invited_by_id.is_not(None)
            )
        )
    )
    if inviters and scrub_number is not None:
        for message in await session.scalars(
            select(Message).where(Message.contact_id.in_(set(inviters)))
        ):
            scrubbed = scrub_number(message.text)
            if scrubbed != message.text:
                message.text = scrubbed
    await session.execute(
        delete(Invitation).where(
            or_(Invitation.address == contact.address, Invitation.invited_by_id == contact.id)
        )
    )
    await session.delete(contact)
    await session.flush()
