"""Setting up people and outbox rows for dispatcher tests, and reading them back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from storage.db import Database
from storage.models import Contact, Message, OutboxItem, utcnow
from storage.outbox import enqueue


async def people(
    db: Database,
    addresses: list[str],
    *,
    country: str | None = None,
    language: str = "fr",
    **fields: object,
) -> list[int]:
    """Create contacts (bulk: fast for thousands); returns their ids in order."""
    if not addresses:
        return []
    now = utcnow()
    rows = [
        {
            "address": address,
            "channel": {"tel": "sms"}.get(address.partition(":")[0], address.partition(":")[0]),
            "language": language,
            "country": country,
            "opted_out": False,
            "unreachable": False,
            "subscribed": False,
            "awareness_offered": False,
            "awareness_next": 1,
            "consent": "self",
            "created_at": now,
            **fields,
        }
        for address in addresses
    ]
    async with db.transaction() as session:
        await session.execute(insert(Contact), rows)
        result = await session.execute(
            select(Contact.address, Contact.id).where(Contact.address.in_(addresses))
        )
        ids = dict(result.all())
    return [ids[a] for a in addresses]


async def queue(
    db: Database,
    contact_ids: list[int],
    text: str = "Annonce",
    *,
    kind: str = "broadcast",
    source: str = "broadcast:1",
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    async with db.transaction() as session:
        for contact_id in contact_ids:
            contact = await session.get(Contact, contact_id)
            await enqueue(
                session,
                contact,
                text,
                kind=kind,
                source=source,
                dedupe_key=f"{source}:{contact_id}",
                now=now,
            )


async def statuses(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
        )
        return dict(rows.all())


async def rows(db: Database) -> list[OutboxItem]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


async def logged(db: Database) -> list[Message]:
    """Outbound messages the dispatcher logged."""
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(Message).where(Message.outbox_id.is_not(None)).order_by(Message.id)
            )
        )
