"""Broadcasts: announcements to an audience, now or at a set time, sent through the outbox.

Life of a broadcast: `scheduled` (created; may be cancelled) -> `queuing` (its time has come and
`queue_due` is writing one outbox row per person, in bounded batches) -> `queued` (every row is
written; the dispatcher sends them at each channel's rate). A scheduled, queuing or queued one may
be `cancelled`: what is still waiting in the outbox is withdrawn.

Language: each person gets the text in their language. If a text is missing in that language, the
other language's text is used (English speakers get the French text when there is no English one,
and everyone else gets the English text when there is no French one). People whose language is
neither French nor English get the French text, French being the bot's default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import audience as audiences
from storage import audit
from storage.audience import Audience
from storage.models import Broadcast, Contact, OutboxItem

logger = logging.getLogger(__name__)

KIND = "broadcast"
SCHEDULER = "scheduler"  # the audit actor of queuing
# How many keyset pages one call of `queue_due` writes at most: it keeps one transaction short
# (SQLite has one writer); the broadcast stays `queuing` and the next call goes on.
MAX_BATCHES_PER_CALL = 10


def source(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def dedupe_prefix(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}:"  # + contact id


def text_language(language: str, text_fr: str | None, text_en: str | None) -> str:
    """Which text a person of `language` receives: "fr" or "en" (module docstring)."""
    if language == "en":
        return "en" if text_en else "fr"
    return "fr" if text_fr else "en"


def text_for(broadcast: Broadcast, language: str, channel: str) -> str:
    """What one person receives, on their channel (SMS has its own GSM-7 version)."""
    chosen = text_language(language, broadcast.text_fr, broadcast.text_en)
    text = broadcast.text_en if chosen == "en" else broadcast.text_fr
    if channel == "sms":
        sms = broadcast.sms_text_en if chosen == "en" else broadcast.sms_text_fr
        return sms or text or ""
    return text or ""


async def create(
    session: AsyncSession,
    *,
    text_fr: str | None,
    text_en: str | None,
    audience: Audience,
    send_at: datetime,
    actor: str,
    now: datetime,
    sms_text_fr: str | None = None,
    sms_text_en: str | None = None,
    estimated: int | None = None,
) -> Broadcast:
    """A scheduled broadcast (send_at <= now means "as soon as the scheduler runs")."""
    if not (text_fr or text_en):
        raise ValueError("a broadcast needs a text in at least one language")
    broadcast = Broadcast(
        text_fr=text_fr or None,
        text_en=text_en or None,
        sms_text_fr=sms_text_fr if text_fr else None,
        sms_text_en=sms_text_en if text_en else None,
        segment=audience.canonical(),
        status="scheduled",
        send_at=max(send_at, now),
        created_by=actor,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    await audit.record(
        session,
        actor,
        "broadcast.created",
        source(broadcast.id),
        {
            "segment": broadcast.segment,
            "send_at": broadcast.send_at.isoformat(),
            "estimated_recipients": estimated,
            "languages": [lang for lang, t in (("fr", text_fr), ("en", text_en)) if t],
        },
        at=now,
    )
    return broadcast


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


CANCELLABLE = ("scheduled", "queuing", "queued")


async def cancel(
    session: AsyncSession, broadcast_id: int, actor: str, now: datetime
) -> tuple[Broadcast | None, str | None]:
    """Cancel a broadcast not yet sent to everyone: (broadcast, None), or (broadcast or None, why
    not). A scheduled one never starts; a queuing or queued one has its rows that are still
    waiting in the outbox withdrawn (those already sent stay sent: a message cannot be recalled).
    """
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None:
        return None, "not_found"
    if broadcast.status not in CANCELLABLE:
        return broadcast, "not_cancellable"
    withdrawn = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.broadcast_id == broadcast.id, OutboxItem.status == "queued")
        .values(status="cancelled", error="broadcast cancelled")
    )
    was = broadcast.status
    broadcast.status = "cancelled"
    await audit.record(
        session,
        actor,
        "broadcast.cancelled",
        source(broadcast.id),
        {
            "segment": broadcast.segment,
            "send_at": broadcast.send_at.isoformat(),
            "was": was,
            "withdrawn": max(withdrawn.rowcount or 0, 0),
        },
        at=now,
    )
    return broadcast, None


@dataclass(frozen=True)
class Progress:
    """A broadcast's outbox rows by what became of them."""

    queued: int = 0  # waiting or being sent
    sent: int = 0  # accepted by the provider (delivered ones included)
    delivered: int = 0  # the provider confirmed delivery
    failed: int = 0
    cancelled: int = 0  # the person opted out after queuing

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.cancelled

    @classmethod
    def from_statuses(cls, counts: dict[str, int]) -> Progress:
        return cls(
            queued=counts.get("queued", 0) + counts.get("sending", 0),
            sent=counts.get("sent", 0) + counts.get("delivered", 0),
            delivered=counts.get("delivered", 0),
            failed=counts.get("failed", 0) + counts.get("unknown", 0),
            cancelled=counts.get("cancelled", 0),
        )


async def progress(session: AsyncSession, broadcast_ids: list[int]) -> dict[int, Progress]:
    if not broadcast_ids:
        return {}
    rows = await session.execute(
        select(OutboxItem.broadcast_id, OutboxItem.status, func.count())
        .where(OutboxItem.broadcast_id.in_(broadcast_ids))
        .group_by(OutboxItem.broadcast_id, OutboxItem.status)
    )
    counts: dict[int, dict[str, int]] = {i: {} for i in broadcast_ids}
    for broadcast_id, status, n in rows.all():
        counts[broadcast_id][status] = n
    return {i: Progress.from_statuses(c) for i, c in counts.items()}


async def listing(session: AsyncSession, limit: int = 20) -> list[tuple[Broadcast, Progress]]:
    """The newest broadcasts first, each with its progress."""
    found = list(
        await session.scalars(
            select(Broadcast)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
    )
    done = await progress(session, [b.id for b in found])
    return [(b, done[b.id]) for b in found]


async def queue_due(session: AsyncSession, now: datetime, batch: int = 1000) -> int:
    """Expand due broadcasts into outbox rows; returns how many rows were written.

    One row per person (dedupe key `broadcast:<id>:<contact id>`), written by INSERT ... SELECT
    over keyset pages of `batch` contacts, so memory stays flat whatever the audience. Idempotent:
    a second run writes nothing new. A big audience may take several calls (the broadcast stays
    `queuing` in between); call again while it returns a positive number, or on the next tick.
    """
    due = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status.in_(("scheduled", "queuing")), Broadcast.send_at <= now)
            .order_by(Broadcast.send_at, Broadcast.id)
            # Two schedulers (a failover) never expand the same broadcast at once.
            .with_for_update(skip_locked=True)
        )
    )
    written, pages_left = 0, MAX_BATCHES_PER_CALL
    for broadcast in due:
        try:
            audience = Audience.from_canonical(broadcast.segment)
        except ValueError:
            logger.error("broadcast %s has an unreadable segment; cancelled", broadcast.id)
            broadcast.status = "cancelled"
            await audit.record(
                session, SCHEDULER, "broadcast.failed", source(broadcast.id),
                {"reason": "unreadable segment", "segment": broadcast.segment}, at=now,
            )  # fmt: skip
            continue
        broadcast.status = "queuing"
        cursor = await session.scalar(
            select(func.max(OutboxItem.contact_id)).where(OutboxItem.broadcast_id == broadcast.id)
        )
        cursor = cursor or 0
        finished = False
        while pages_left > 0:
            pages_left -= 1
            ids = await audiences.ids_after(session, audience, cursor, batch)
            if ids:
                written += await _insert_page(session, broadcast, audience, ids[0], ids[-1], now)
                cursor = ids[-1]
            if len(ids) < batch:
                finished = True
                break
        if not finished:
            break  # the budget of this call is spent: the next call resumes from the outbox
        await _mark_queued(session, broadcast, now)
    return written


async def _insert_page(
    session: AsyncSession,
    broadcast: Broadcast,
    audience: Audience,
    first_id: int,
    last_id: int,
    now: datetime,
) -> int:
    """INSERT ... SELECT one page of the audience (contact ids first_id..last_id)."""
    earlier = aliased(OutboxItem)
    dedupe_key = literal(dedupe_prefix(broadcast.id), String) + cast(Contact.id, String)

    def text(language: str, channel: str):  # type: ignore[no-untyped-def]
        return cast(literal(text_for(broadcast, language, channel), Text), Text)

    message = case(
        (and_(Contact.channel == "sms", Contact.language == "en"), text("en", "sms")),
        (Contact.channel == "sms", text("fr", "sms")),
        (Contact.language == "en", text("en", "telegram")),
        else_=text("fr", "telegram"),
    )
    rows = select(
        Contact.id,
        Contact.channel,
        Contact.address,
        message,
        literal(KIND, String),
        literal(source(broadcast.id), String),
        dedupe_key,
        literal("queued", String),
        literal(0),
        literal(now, OutboxItem.next_attempt_at.type),
        literal(broadcast.id),
        literal(now, OutboxItem.created_at.type),
    ).where(
        *audiences.conditions(audience),
        Contact.id >= first_id,
        Contact.id <= last_id,
        ~exists().where(earlier.dedupe_key == dedupe_key),
    )
    columns = [
        "contact_id",
        "channel",
        "address",
        "text",
        "kind",
        "source",
        "dedupe_key",
        "status",
        "attempts",
        "next_attempt_at",
        "broadcast_id",
        "created_at",
    ]
    result = await session.execute(insert(OutboxItem).from_select(columns, rows))
    return max(result.rowcount or 0, 0)


async def _mark_queued(session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
    recipients = await session.scalar(
        select(func.count()).select_from(OutboxItem).where(OutboxItem.broadcast_id == broadcast.id)
    )
    broadcast.status = "queued"
    broadcast.queued_at = now
    broadcast.recipients = recipients or 0
    await audit.record(
        session,
        SCHEDULER,
        "broadcast.queued",
        source(broadcast.id),
        {"recipients": broadcast.recipients, "segment": broadcast.segment},
        at=now,
    )
    logger.info("broadcast %s queued for %s people", broadcast.id, broadcast.recipients)
