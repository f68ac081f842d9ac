"""Awareness subscriptions: who is due the next message of a series, and queuing it in bulk.

Bulk, in bounded batches: a weekly run over 100,000 subscribers never holds them all in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, Invitation, OutboxItem


@dataclass(frozen=True)
class Subscriber:
    id: int
    address: str
    channel: str
    language: str
    next_number: int


async def due_subscribers(
    session: AsyncSession, *, run_at: datetime, last_number: int, after_id: int, limit: int
) -> list[Subscriber]:
    """The next `limit` subscribers (by id, after `after_id`) who may receive a message and were
    not yet served by the run scheduled at `run_at`; those past the end of the series are not."""
    result = await session.execute(
        select(
            Contact.id, Contact.address, Contact.channel, Contact.language, Contact.awareness_next
        )
        .where(
            Contact.id > after_id,
            Contact.subscribed.is_(True),
            Contact.opted_out.is_(False),
            Contact.unreachable.is_(False),
            Contact.consent != "pending",
            Contact.awareness_next <= last_number,
            or_(Contact.awareness_last_at.is_(None), Contact.awareness_last_at < run_at),
        )
        .order_by(Contact.id)
        .limit(limit)
    )
    return [Subscriber(*row) for row in result.all()]


async def queue_batch(
    session: AsyncSession, rows: list[dict], served: list[Subscriber], run_at: datetime
) -> int:
    """Insert outbox rows (an existing dedupe key is skipped) and move each person one step on.

    `rows` are OutboxItem column values. Both happen in the caller's transaction, so a crash
    leaves either both or neither: a repeated run neither skips nor repeats a message.
    """
    if rows:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(OutboxItem).on_conflict_do_nothing(index_elements=["dedupe_key"])
        await session.execute(statement, rows)
    if served:
        table = Contact.__table__
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(awareness_next=bindparam("b_next"), awareness_last_at=bindparam("b_at")),
            [{"b_id": s.id, "b_next": s.next_number + 1, "b_at": run_at} for s in served],
        )
    return len(rows)


def subscribe(contact: Contact, now: datetime) -> None:
    contact.subscribed = True
    contact.subscribed_at = now
    contact.awareness_offered = True


# -- family enrolment ---------------------------------------------------------------------------


async def last_invitation(session: AsyncSession, address: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation)
        .where(Invitation.address == address)
        .order_by(Invitation.sent_at.desc())
        .limit(1)
    )


async def open_invitation(
    session: AsyncSession, address: str, since: datetime
) -> Invitation | None:
    """The invitation to this number still waiting for an answer, if sent after `since`."""
    invitation = await last_invitation(session, address)
    if invitation is None or invitation.status != "sent" or invitation.sent_at < since:
        return None
    return invitation
