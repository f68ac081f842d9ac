"""The message log: every message in and out, stored before anything else happens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message

# What we keep of one message; the rest of a longer one is dropped (the person is told).
MAX_STORED_TEXT = 10_000


def storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL: it becomes U+FFFD, the rest is kept as it came."""
    return text[:MAX_STORED_TEXT].replace("\x00", "\ufffd")


# Built once: a statement is an object tree, and building it costs more than running it.
_FIND_INBOUND = select(Message).where(
    Message.channel == bindparam("channel"),
    Message.direction == "in",
    Message.provider_id == bindparam("provider_id"),
)
_REPLIES_TO = (
    select(Message).where(Message.reply_to_id == bindparam("message_id")).order_by(Message.id)
)


async def find_inbound(session: AsyncSession, channel: str, provider_id: str) -> Message | None:
    return await session.scalar(_FIND_INBOUND, {"channel": channel, "provider_id": provider_id})


_RECENT_INBOUND = (
    select(Message.provider_id)
    .where(
        Message.channel == bindparam("channel"),
        Message.direction == "in",
        Message.provider_id.in_(bindparam("provider_ids", expanding=True)),
        Message.created_at >= bindparam("since"),
    )
    .order_by(Message.created_at.desc())
    .limit(1)
)


async def recent_inbound(
    session: AsyncSession, channel: str, provider_ids: list[str], since: datetime
) -> str | None:
    """Which of these provider ids a person's message stored since `since` has, if any (an
    exact match on uq_messages_provider's columns)."""
    return await session.scalar(
        _RECENT_INBOUND, {"channel": channel, "provider_ids": provider_ids, "since": since}
    )


async def replies_to(session: AsyncSession, message_id: int) -> list[Message]:
    return list(await session.scalars(_REPLIES_TO, {"message_id": message_id}))


_MESSAGES = Message.__table__
# Core INSERTs for the conversation's hot path: no unit of work to plan, one statement each.
_INSERT_ONE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_INSERT_MANY = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)


async def insert_inbound(
    session: AsyncSession,
    contact_id: int,
    channel: str,
    text: str,
    provider_id: str | None,
    at: datetime,
    *,
    status: str = "received",
) -> int:
    """Store a person's message at once (a Core INSERT) and return its id; a provider's retry
    of a stored message fails here with IntegrityError (uq_messages_provider)."""
    result = await session.execute(
        _INSERT_ONE,
        {
            "contact_id": contact_id,
            "channel": channel,
            "direction": "in",
            "text": storable(text),
            "status": status,
            "provider_id": provider_id,
            "created_at": at,
        },
    )
    return result.scalar_one()


async def insert_replies(
    session: AsyncSession,
    contact_id: int | None,
    channel: str,
    texts: list[str],
    at: datetime,
    *,
    status: str,
    reply_to_id: int | None,
    entry_id: str | None = None,
) -> list[int]:
    """Store the replies to one message in one INSERT; their ids, in order. `entry_id`: the FAQ
    entry the turn answered, kept on its first reply only (one answer counted once)."""
    if not texts:
        return []
    rows = [
        {
            "contact_id": contact_id,
            "channel": channel,
            "direction": "out",
            "text": storable(text),
            "status": status,
            "reply_to_id": reply_to_id,
            "created_at": at,
            "entry_id": entry_id if n == 0 else None,
        }
        for n, text in enumerate(texts)
    ]
    if len(rows) == 1:
        return [(await session.execute(_INSERT_ONE, rows[0])).scalar_one()]
    return list((await session.execute(_INSERT_MANY, rows)).scalars())
