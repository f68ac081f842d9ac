"""The audit log: who did what to whom, kept in the database and shown by `diaspora-bot audit`.

Actors are "cli:<os user>", "telegram:<user id>" or "scheduler". Details never hold a phone number:
callers pass counts, ids and masked addresses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, utcnow

# Column sizes (storage.models.AuditEntry): longer values are cut rather than refused, because an
# audit entry must never make the action it records fail.
_ACTOR, _ACTION, _TARGET = 64, 32, 64


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry, in the caller's transaction (so it exists exactly if the action does)."""
    entry = AuditEntry(
        at=at or utcnow(),
        actor=actor[:_ACTOR],
        action=action[:_ACTION],
        target=target[:_TARGET],
        details=dict(details or {}),
    )
    session.add(entry)
    await session.flush()
    return entry


async def latest(
    session: AsyncSession, limit: int = 50, action_prefix: str | None = None
) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix))
    return list(await session.scalars(query))
