"""Delivery of outgoing messages: what a provider said about them, recorded by its message id.

The one place where a stored outgoing message's status moves (`advance`): provider callbacks
(`record`) and the Telegram adapter's record of a reply it just sent (`mark`) use the same rule.

Providers report each message's progress (queued, sent, delivered, or undelivered/failed with an
error code) in callbacks that may arrive late, twice or out of order. A status only ever moves
forward, so a late "sent" never hides a "delivered".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message, OutboxItem

# A message's status, as far as it went. "pending": stored, not yet handed to the provider.
MESSAGE_RANK = {
    "pending": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
}
# The outbox keeps its own words: the dispatcher owns queued/sending (ours, before the provider)
# and marks a row "sent" once the provider took it; a callback can only take it further.
OUTBOX_STATUS = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}
OUTBOX_RANK = {"sent": 0, "delivered": 1, "failed": 1}


@dataclass
class Recorded:
    """What a delivery report touched; `contact_ids` are the people the messages were for."""

    messages: int = 0
    outbox: int = 0
    contact_ids: set[int] = field(default_factory=set)

    @property
    def found(self) -> bool:
        return bool(self.messages or self.outbox)


def _moves_forward(current: str | None, new: str, rank: dict[str, int]) -> bool:
    if current not in rank:
        return new in rank
    return rank.get(new, -1) >= rank[current]


def advance(message: Message, status: str, at: datetime, error_code: str | None = None) -> bool:
    """Move a stored message's status forward (never back); whether it moved."""
    if not _moves_forward(message.status, status, MESSAGE_RANK):
        return False
    message.status = status
    message.updated_at = at
    if error_code:
        message.error_code = error_code
    return True


async def mark(
    session: AsyncSession,
    message_id: int,
    status: str,
    at: datetime,
    *,
    provider_id: str | None = None,
    error_code: str | None = None,
) -> None:
    """What became of a reply we sent ourselves (Telegram): its status and provider id."""
    message = await session.get(Message, message_id)
    if message is None:
        return
    if provider_id is not None:
        message.provider_id = provider_id
    advance(message, status, at, error_code)


async def record(
    session: AsyncSession,
    channel: str,
    provider_id: str,
    status: str,
    at: datetime,
    *,
    error_code: str | None = None,
    message_id: int | None = None,
) -> Recorded:
    """Record `status` on the stored message(s) and outbox row with this provider id.

    `message_id` names our stored message when the provider echoes it back (a reply sent in a
    webhook's response learns its provider id this way).
    """
    recorded = Recorded()
    found = list(
        await session.scalars(
            select(Message).where(
                Message.channel == channel,
                Message.direction == "out",
                Message.provider_id == provider_id,
            )
        )
    )
    if message_id is not None and not found:
        message = await session.get(Message, message_id)
        if (
            message is not None
            and message.channel == channel
            and message.direction == "out"
            and message.provider_id is None
        ):
            message.provider_id = provider_id
            found.append(message)
    for message in found:
        recorded.messages += 1
        if message.contact_id is not None:
            recorded.contact_ids.add(message.contact_id)
        advance(message, status, at, error_code)

    items = await session.scalars(
        select(OutboxItem).where(
            OutboxItem.channel == channel, OutboxItem.provider_id == provider_id
        )
    )
    outbox_status = OUTBOX_STATUS.get(status)
    for item in items:
        recorded.outbox += 1
        recorded.contact_ids.add(item.contact_id)
        if outbox_status and _moves_forward(item.status, outbox_status, OUTBOX_RANK):
            item.status = outbox_status
            if error_code:
                item.error = f"{status} (provider error {error_code})"
    await session.flush()
    return recorded
