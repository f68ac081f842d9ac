"""Contacts imported from the ministry's lists: one upsert per row, idempotent.

An import never overrides a person's own choice: someone who opted out (STOP) stays opted out and
is not subscribed again, whatever the file says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact


@dataclass(frozen=True)
class ImportedRow:
    """A validated row; None means "not given" (an existing value is kept)."""

    address: str
    channel: str
    language: str | None = None
    country: str | None = None
    name: str | None = None
    subscribed: bool | None = None


@dataclass(frozen=True)
class Outcome:
    result: str  # imported | updated | unchanged | skipped
    note: str | None = None  # e.g. "opted_out"


async def upsert(
    session: AsyncSession, row: ImportedRow, default_language: str, now: datetime
) -> Outcome:
    contact = await session.scalar(select(Contact).where(Contact.address == row.address))
    if contact is None:
        session.add(
            Contact(
                address=row.address,
                channel=row.channel,
                language=row.language or default_language,
                country=row.country,
                name=row.name,
                opted_out=False,
                unreachable=False,
                subscribed=bool(row.subscribed),
                subscribed_at=now if row.subscribed else None,
                awareness_offered=False,
                awareness_next=1,
                # Consent was collected by the ministry, outside the bot (see the README).
                consent="given",
                created_at=now,
            )
        )
        await session.flush()
        return Outcome("imported")
    if contact.staff_chat:
        return Outcome("skipped", "staff_chat")
    changed = False
    for field in ("language", "country", "name"):
        value = getattr(row, field)
        if value is not None and getattr(contact, field) != value:
            setattr(contact, field, value)
            changed = True
    note = None
    if row.subscribed is not None and row.subscribed != contact.subscribed:
        if row.subscribed and contact.opted_out:
            note = "opted_out"
        else:
            contact.subscribed = row.subscribed
            contact.subscribed_at = now if row.subscribed else None
            changed = True
    return Outcome("updated" if changed else "unchanged", note)


async def export_rows(session: AsyncSession, batch: int = 1000) -> AsyncIterator[Contact]:
    """Every person (not staff chats), streamed in id order."""
    result = await session.stream_scalars(
        select(Contact)
        .where(Contact.staff_chat.is_(False))
        .order_by(Contact.id)
        .execution_options(yield_per=batch)
    )
    async for contact in result:
        yield contact
