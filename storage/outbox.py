"""The outbox: messages to send in bulk or later, one row per person and source.

Features (broadcasts, the awareness series, reminders, staff answers) only ever *enqueue*; the
dispatcher in `bot/` drains the table at each channel's rate. The dedupe key makes enqueueing
idempotent: the same announcement queued twice for the same person is one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, OutboxItem


async def enqueue(
    session: AsyncSession,
    contact: Contact,
    text: str,
    *,
    kind: str,
    source: str,
    dedupe_key: str,
    now: datetime,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
) -> OutboxItem | None:
    """Queue `text` for `contact`; None if this dedupe key was queued before (nothing changes).

    Callers decide *whether* a person should receive (opted out, unreachable, consent); the
    dispatcher checks again at sending time, so a STOP between the two still wins.
    """
    existing = await session.scalar(
        select(OutboxItem.id).where(OutboxItem.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return None
    item = OutboxItem(
        contact_id=contact.id,
        channel=contact.channel,
        address=contact.address,
        text=text,
        kind=kind,
        source=source,
        dedupe_key=dedupe_key,
        status="queued",
        attempts=0,
        next_attempt_at=max(now, not_before) if not_before else now,
        broadcast_id=broadcast_id,
        created_at=now,
    )
    session.add(item)
    await session.flush()
    return item
