"""The outbox: messages to send in bulk or later, one row per person and source.

Features (broadcasts, the awareness series, reminders, staff answers) only ever *enqueue*; the
dispatcher in `bot/` drains the table at each channel's rate. The dedupe key makes enqueueing
idempotent: the same announcement queued twice for the same person is one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, Message, OutboxItem


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
    provider: str | None = None,
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
        provider=provider,
    )
    session.add(item)
    await session.flush()
    return item


_OUTBOX = OutboxItem.__table__
_CONTACTS = Contact.__table__
_MESSAGES = Message.__table__
# Written into the SQL, not bound: PostgreSQL's generic plans for prepared statements (asyncpg
# prepares every statement) can only use the partial index `ix_outbox_queue` for a literal.
_QUEUED = literal_column("'queued'")

# -- the dispatcher's side ---------------------------------------------------------------------
#
# A row's life: queued -> sending (claimed, committed BEFORE the provider is called) -> sent |
# delivered | failed | queued again (retry) | cancelled. A row found `sending` by a restarted
# worker may or may not have reached the provider: it becomes `unknown`, never re-sent on its own.

INTERRUPTED = "interrupted while sending: it may or may not have been delivered"


@dataclass(frozen=True)
class Claimed:
    """A row taken by one worker, as the dispatcher needs it (plain data, no session)."""

    id: int
    contact_id: int
    channel: str
    address: str
    text: str
    kind: str
    attempts: int  # including this one
    options: list | None = None  # Telegram buttons, [[label, value], ...]


@dataclass(frozen=True)
class Recipient:
    """What decides, at sending time, whether a person may still receive a bulk message."""

    opted_out: bool
    unreachable: bool
    consent: str
    country: str | None


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row; the recorder writes many of them in one transaction."""

    id: int
    status: str  # sent | delivered | queued | failed | unknown | cancelled
    attempts: int
    error: str | None = None
    provider_id: str | None = None
    next_attempt_at: datetime | None = None  # for `queued`
    contact_id: int | None = None
    contact_flag: str | None = None  # unreachable | opted_out: applies to the person


def route_filter(
    provider: str,
    claims: Sequence[tuple[str, tuple[str, ...]]],
    configured: Sequence[str] = (),
) -> ColumnElement:
    """The rows an SMS provider's lane takes: those pinned to it (a reply goes back through the
    provider the question came in on), and unpinned ones whose number its routes give it. A row
    pinned to a provider no longer `configured` counts as unpinned (else nothing would send it).

    `claims`: (prefix, earlier prefixes) pairs, from bot.channels.sms_routes (prefixes are `+`
    and digits, or `*`: nothing to escape in LIKE)."""
    t = _OUTBOX.c
    routed = []
    for prefix, earlier in claims:
        own = [] if prefix == "*" else [t.address.like(f"tel:{prefix}%")]
        routed.append(and_(*own, *(~t.address.like(f"tel:{p}%") for p in earlier), true()))
    unpinned = t.provider.is_(None)
    if configured:
        unpinned = or_(unpinned, t.provider.not_in(list(configured)))
    return or_(t.provider == provider, and_(unpinned, or_(*routed, false())))


async def claim(
    session: AsyncSession,
    *,
    channel: str,
    worker: str,
    now: datetime,
    limit: int,
    provider: str | None = None,
    where: ColumnElement | None = None,
) -> list[Claimed]:
    """Mark up to `limit` due rows of `channel` as `sending` for `worker`, oldest first.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers claim at once without waiting
    for or taking each other's rows; SQLite ignores it (one writer at a time, one worker).
    The caller must commit before sending anything: that commit is the crash guarantee.
    """
    # Core statements on the table, not the ORM entity: no identity map to synchronise, and
    # the ORM's bulk-update machinery cost more than the statement itself.
    t = _OUTBOX
    due = (
        select(t.c.id)
        .where(t.c.status == _QUEUED, t.c.channel == channel, t.c.next_attempt_at <= now)
        .order_by(t.c.next_attempt_at, t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if where is not None:
        due = due.where(where)
    result = await session.execute(
        update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(status="sending", claimed_by=worker, claimed_at=now, attempts=t.c.attempts + 1)
        .values(**({"provider": provider} if provider else {}))
        .returning(
            t.c.id,
            t.c.contact_id,
            t.c.channel,
            t.c.address,
            t.c.text,
            t.c.kind,
            t.c.attempts,
            t.c.options,
        )
    )
    return sorted((Claimed(*row) for row in result.all()), key=lambda c: c.id)


async def recipients(session: AsyncSession, contact_ids: set[int]) -> dict[int, Recipient]:
    """The current state of these people (a person who erased their data is absent)."""
    if not contact_ids:
        return {}
    c = _CONTACTS.c
    rows = await session.execute(
        select(c.id, c.opted_out, c.unreachable, c.consent, c.country).where(c.id.in_(contact_ids))
    )
    return {row[0]: Recipient(bool(row[1]), bool(row[2]), row[3], row[4]) for row in rows}


_RECORD = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("b_id"),
        _OUTBOX.c.claimed_by == bindparam("b_worker"),
        # Not IN (...): an expanding parameter cannot be used with executemany.
        or_(
            _OUTBOX.c.status == "sending",
            _OUTBOX.c.status == "unknown",
        ),
    )
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        error=bindparam("b_error"),
        provider_id=bindparam("b_provider_id"),
        next_attempt_at=bindparam("b_next"),
        sent_at=bindparam("b_sent_at"),
    )
)


async def record(
    session: AsyncSession, outcomes: list[Outcome], *, worker: str, now: datetime
) -> None:
    """Write what became of claimed rows, log the sent ones as outbound messages, and mark the
    people a provider said are unreachable or opted out (cancelling their other queued rows).

    Only rows still claimed by `worker` change: a row that staff meanwhile handled stays theirs.
    """
    if not outcomes:
        return
    params = []
    for o in outcomes:
        sent = o.status in ("sent", "delivered")
        next_at = o.next_attempt_at if o.status == "queued" and o.next_attempt_at else now
        params.append(
            {
                "b_id": o.id,
                "b_worker": worker,
                "b_status": o.status,
                "b_attempts": o.attempts,
                "b_error": o.error[:500] if o.error else None,
                "b_provider_id": o.provider_id[:64] if o.provider_id else None,
                "b_next": next_at,
                "b_sent_at": now if sent else None,
            }
        )
    await session.execute(_RECORD, params)
    sent_ids = [o.id for o in outcomes if o.status in ("sent", "delivered")]
    if sent_ids:
        # From the rows themselves, so a row whose person was erased meanwhile logs nothing.
        # "Updated just now as sent" is `sent_at == now` for our claim, not a status test: the
        # planner would take the status index for that and read every sent row, each batch.
        t = _OUTBOX.c
        await session.execute(
            insert(_MESSAGES).from_select(
                [
                    "contact_id",
                    "channel",
                    "direction",
                    "text",
                    "status",
                    "outbox_id",
                    "created_at",
                ],
                select(
                    t.contact_id, t.channel, literal("out"), t.text, t.status, t.id, t.sent_at
                ).where(
                    t.id.in_(sent_ids),
                    t.sent_at == now,
                    t.claimed_by == worker,
                ),
            )
        )
    unreachable = {o.contact_id for o in outcomes if o.contact_flag == "unreachable"}
    opted_out = {o.contact_id for o in outcomes if o.contact_flag == "opted_out"}
    unreachable.discard(None)
    opted_out.discard(None)
    if unreachable:
        await mark_unreachable(session, unreachable)
    if opted_out:
        await session.execute(
            update(Contact)
            .where(Contact.id.in_(opted_out))
            .values(opted_out=True, opted_out_at=now, subscribed=False)
        )
        await _cancel_queued(session, opted_out, "opted out at the provider")


async def mark_unreachable(session: AsyncSession, contact_ids: set[int]) -> None:
    """A provider said these people cannot receive messages on their channel: mark them and
    cancel their queued rows (the dispatcher would cancel each at sending time anyway)."""
    await session.execute(
        update(Contact).where(Contact.id.in_(contact_ids)).values(unreachable=True)
    )
    await _cancel_queued(session, contact_ids, "unreachable")


async def _cancel_queued(session: AsyncSession, contact_ids: set[int], reason: str) -> None:
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.contact_id.in_(contact_ids), OutboxItem.status == "queued")
        .values(status="cancelled", error=reason)
        .execution_options(synchronize_session=False)
    )


async def recover(
    session: AsyncSession,
    *,
    worker: str,
    stale_before: datetime,
    everyone: bool = False,
) -> int:
    """Rows left `sending` by a dead worker become `unknown`; returns how many.

    Ours from a previous life (same worker id), or any claimed before `stale_before` (a live
    worker never holds a claim that long), or, with `everyone` (SQLite: the only worker), all.
    """
    where = [OutboxItem.status == "sending"]
    if not everyone:
        where.append(or_(OutboxItem.claimed_by == worker, OutboxItem.claimed_at < stale_before))
    result = await session.execute(
        update(OutboxItem)
        .where(*where)
        .values(status="unknown", error=INTERRUPTED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# -- the staff's side ----------------------------------------------------------------------------

RESENDABLE = ("unknown", "failed")


async def items(
    session: AsyncSession, *, status: str | None = None, limit: int = 50
) -> list[OutboxItem]:
    """The most recent rows, optionally of one status."""
    query = select(OutboxItem).order_by(OutboxItem.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxItem.status == status)
    return list(await session.scalars(query))


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
    )
    return {status: count for status, count in rows.all()}


async def resend(session: AsyncSession, ids: list[int], now: datetime) -> dict[int, str]:
    """Queue `unknown` (or `failed`) rows again; returns id -> 'queued' or why not.

    The person's state is checked again when the row is sent (STOP still wins).
    """
    outcome: dict[int, str] = {}
    for item_id in ids:
        item = await session.get(OutboxItem, item_id, with_for_update=True)
        if item is None:
            outcome[item_id] = "no such message"
        elif item.status not in RESENDABLE:
            outcome[item_id] = f"is {item.status}, only unknown or failed messages are resent"
        else:
            item.status = "queued"
            item.next_attempt_at = now
            item.attempts = 0
            item.claimed_by = item.claimed_at = None
            item.error = None
            outcome[item_id] = "queued"
    await session.flush()
    return outcome


async def arrived_since_last_turn(session: AsyncSession, address: str) -> list[Message]:
    """Bulk messages logged for this person since they last wrote (the console shows them)."""
    contact_id = await session.scalar(select(Contact.id).where(Contact.address == address))
    if contact_id is None:
        return []
    last_in = await session.scalar(
        select(func.max(Message.created_at)).where(
            Message.contact_id == contact_id, Message.direction == "in"
        )
    )
    query = select(Message).where(
        Message.contact_id == contact_id,
        Message.direction == "out",
        Message.outbox_id.is_not(None),
    )
    if last_in is not None:
        query = query.where(Message.created_at > last_in)
    return list(await session.scalars(query.order_by(Message.id)))
