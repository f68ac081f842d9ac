"""Retention: message texts older than MESSAGE_RETENTION_DAYS are removed; the rows stay, so
every count (messages in and out by day, channel, status; outbox outcomes; tickets answered and
how fast) is kept for statistics. docs/privacy.md says what is kept, why, and how long."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message, OutboxItem, Ticket

# Outbox rows still to be sent keep their text, whatever their age.
FINAL_OUTBOX = ("sent", "delivered", "failed", "cancelled", "unknown")


async def remove_old_texts(session: AsyncSession, before: datetime) -> int:
    """Empty the texts of messages, finished outbox rows and closed tickets created before
    `before`; how many rows lost their text."""
    removed = 0
    for statement in (
        update(Message).where(Message.created_at < before, Message.text != "").values(text=""),
        update(OutboxItem)
        .where(
            OutboxItem.created_at < before,
            OutboxItem.status.in_(FINAL_OUTBOX),
            OutboxItem.text != "",
        )
        .values(text=""),
        update(Ticket)
        .where(Ticket.created_at < before, Ticket.status != "open", Ticket.question != "")
        .values(question="", answer=None),
    ):
        result = await session.execute(statement.execution_options(synchronize_session=False))
        removed += result.rowcount or 0
    return removed
