"""Questions the bot could not answer with confidence, counted: the staff's list of gaps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import KnowledgeGap

MAX_KEY = 500


async def record(
    session: AsyncSession,
    normalised: str,
    example: str,
    language: str,
    outcome: str,
    best_entry: str | None,
    now: datetime,
) -> None:
    key = normalised[:MAX_KEY] or "(empty)"
    gap = await session.scalar(select(KnowledgeGap).where(KnowledgeGap.normalised == key))
    if gap is None:
        session.add(
            KnowledgeGap(
                normalised=key,
                example=example[:2000],
                language=language,
                outcome=outcome,
                best_entry=best_entry,
                count=1,
                first_seen=now,
                last_seen=now,
            )
        )
    else:
        gap.count += 1
        gap.last_seen = now
        gap.outcome, gap.best_entry = outcome, best_entry
    await session.flush()


async def most_frequent(session: AsyncSession, limit: int = 20) -> list[KnowledgeGap]:
    result = await session.scalars(
        select(KnowledgeGap)
        .order_by(KnowledgeGap.count.desc(), KnowledgeGap.last_seen.desc())
        .limit(limit)
    )
    return list(result)
