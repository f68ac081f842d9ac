"""When each SMS provider was last heard from, and what its health check said (no personal data).

A phone with a local SIM can be switched off, run out of credit or lose its network quietly:
staff see here when it last spoke (a webhook, an answered health check) and the log raises an
alert when it has been silent too long.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SmsProviderHealth


async def _row(session: AsyncSession, provider: str) -> SmsProviderHealth:
    row = await session.get(SmsProviderHealth, provider)
    if row is None:
        row = SmsProviderHealth(provider=provider)
        session.add(row)
    return row


async def heard(session: AsyncSession, provider: str, at: datetime) -> None:
    row = await _row(session, provider)
    if row.last_heard_at is None or row.last_heard_at < at:
        row.last_heard_at = at


async def checked(
    session: AsyncSession, provider: str, status: str, detail: str | None, at: datetime
) -> None:
    """A health check's answer; `status` "unreachable" when the provider did not answer."""
    row = await _row(session, provider)
    row.status, row.detail, row.checked_at = status, (detail or None) and detail[:200], at
    if status != "unreachable" and (row.last_heard_at is None or row.last_heard_at < at):
        row.last_heard_at = at


async def providers(session: AsyncSession) -> list[SmsProviderHealth]:
    """Every provider heard from or checked, by name (the overview's outbox health)."""
    return list(
        await session.scalars(select(SmsProviderHealth).order_by(SmsProviderHealth.provider))
    )


async def summary(session: AsyncSession) -> dict[str, dict]:
    rows = await providers(session)
    return {
        row.provider: {
            "status": row.status,
            "detail": row.detail,
            "last_heard_at": row.last_heard_at.isoformat() if row.last_heard_at else None,
            "checked_at": row.checked_at.isoformat() if row.checked_at else None,
        }
        for row in rows
    }
