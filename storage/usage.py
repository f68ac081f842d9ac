"""What one person has been costing us lately: their recent messages, replies and invitations,
and the limits they hit (kept on the inbound message that hit them: `error_code` "limit:<name>",
a column inbound messages do not otherwise use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, Invitation, Message, OutboxItem

LIMIT_PREFIX = "limit:"


@dataclass(frozen=True)
class Recent:
    direction: str
    text: str
    created_at: datetime
    error_code: str | None


async def recent(
    session: AsyncSession, contact_id: int, since: datetime, limit: int
) -> list[Recent]:
    """The person's last messages (in and out) since `since`, newest first."""
    rows = await session.execute(
        select(Message.direction, Message.text, Message.created_at, Message.error_code)
        .where(Message.contact_id == contact_id, Message.created_at >= since)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [Recent(*row) for row in rows.all()]


async def replies_since(session: AsyncSession, contact_id: int, since: datetime) -> int:
    """Replies to the person's messages (not bulk messages) since `since`."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.contact_id == contact_id,
                Message.direction == "out",
                Message.reply_to_id.is_not(None),
                Message.created_at >= since,
            )
        )
        or 0
    )


async def mark_limited(
    session: AsyncSession, message_id: int, name: str, *, answered: bool
) -> None:
    """Record on the inbound message which limit it hit; `answered=False`: stored unanswered."""
    values: dict = {"error_code": f"{LIMIT_PREFIX}{name}"}
    if not answered:
        values["status"] = "limited"
    await session.execute(update(Message).where(Message.id == message_id).values(**values))


async def mark_latest_inbound(session: AsyncSession, contact_id: int, name: str) -> None:
    latest = await session.scalar(
        select(func.max(Message.id)).where(
            Message.contact_id == contact_id, Message.direction == "in"
        )
    )
    if latest is not None:
        await mark_limited(session, latest, name, answered=True)


async def invitations_by(session: AsyncSession, contact_id: int, since: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.invited_by_id == contact_id, Invitation.sent_at >= since)
        )
        or 0
    )


async def invitations_to(session: AsyncSession, address: str) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.address == address)
        )
        or 0
    )


async def queued_notice(session: AsyncSession, source: str, kind: str) -> OutboxItem | None:
    """The notice about `source` still waiting in the outbox, if any."""
    return await session.scalar(
        select(OutboxItem)
        .where(OutboxItem.source == source, OutboxItem.kind == kind, OutboxItem.status == "queued")
        .order_by(OutboxItem.id.desc())
        .limit(1)
    )


async def append_to_queued(session: AsyncSession, item_id: int, line: str) -> bool:
    """Add a line to a queued notice; False if the dispatcher took it meanwhile."""
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.status == "queued")
        .values(text=OutboxItem.text + "\n" + line)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def last_notice_at(session: AsyncSession, source: str, kind: str) -> datetime | None:
    return await session.scalar(
        select(func.max(OutboxItem.created_at)).where(
            OutboxItem.source == source, OutboxItem.kind == kind
        )
    )


async def limit_hits(session: AsyncSession) -> dict[str, dict]:
    """Who hit which limit: per limit, the people (masked by the caller) and how many of their
    messages hit it."""
    rows = await session.execute(
        select(Message.error_code, Contact.id, Contact.address, func.count())
        .join(Contact, Contact.id == Message.contact_id)
        .where(
            Message.direction == "in",
            Message.error_code.like(f"{LIMIT_PREFIX}%"),
        )
        .group_by(Message.error_code, Contact.id, Contact.address)
    )
    hits: dict[str, dict] = {}
    for code, contact_id, address, count in rows.all():
        entry = hits.setdefault(code[len(LIMIT_PREFIX) :], {"messages": 0, "people": []})
        entry["messages"] += count
        entry["people"].append((contact_id, address, count))
    return hits


@dataclass
class RecentHits:
    """One limit's hits since a date: per day, and per person (addresses masked by the caller)."""

    name: str
    messages: int = 0
    days: dict[date, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)


async def recent_limit_hits(session: AsyncSession, since: datetime) -> list[RecentHits]:
    """The limits hit since `since`, the most hit first; read from ix_messages_errors (messages
    with an error code only), so it costs nothing when no one hits a limit."""
    day = func.date(Message.created_at)
    rows = await session.execute(
        select(Message.error_code, day, Contact.address, func.count())
        .outerjoin(Contact, Contact.id == Message.contact_id)
        .where(
            Message.error_code.is_not(None),
            Message.created_at >= since,
            Message.direction == "in",
            Message.error_code.like(f"{LIMIT_PREFIX}%"),
        )
        .group_by(Message.error_code, day, Contact.address)
    )
    hits: dict[str, RecentHits] = {}
    for code, value, address, count in rows.all():
        name = code[len(LIMIT_PREFIX) :]
        hit = hits.setdefault(name, RecentHits(name))
        when = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        hit.messages += count
        hit.days[when] = hit.days.get(when, 0) + count
        if address is not None:
            hit.people[address] = hit.people.get(address, 0) + count
    return sorted(hits.values(), key=lambda h: (-h.messages, h.name))
