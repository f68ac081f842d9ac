"""Flow state: which step of which multi-step flow a person is at, and until when."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FlowState


async def current(session: AsyncSession, contact_id: int) -> FlowState | None:
    return await session.get(FlowState, contact_id)


async def save(
    session: AsyncSession,
    contact_id: int,
    flow: str,
    step: str,
    data: dict,
    now: datetime,
    ttl: timedelta,
) -> FlowState:
    state = await session.get(FlowState, contact_id)
    if state is None:
        state = FlowState(contact_id=contact_id)
        session.add(state)
    state.flow, state.step = flow, step
    state.data = dict(data)  # a new object, so SQLAlchemy sees the JSON change
    state.updated_at = now
    state.expires_at = now + ttl
    # No flush: the next query (autoflush) or the commit writes it, with the transaction's
    # other changes; a second save in the same transaction finds it through autoflush too.
    return state


async def clear(session: AsyncSession, contact_id: int) -> None:
    await session.execute(delete(FlowState).where(FlowState.contact_id == contact_id))
