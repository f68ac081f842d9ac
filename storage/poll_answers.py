"""A person and polls: which invitations reached them, which polls they may join, their answers.

One answer per person per question (a unique constraint): answering again replaces the answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audience as audiences
from storage import polls
from storage.audience import Audience
from storage.models import (
    Contact,
    Message,
    OutboxItem,
    PollAnswer,
    PollInvitation,
    PollRecord,
    PollSend,
)


async def invitations_of(
    session: AsyncSession, contact_id: int, limit: int = 5
) -> list[tuple[PollInvitation, PollRecord]]:
    """A person's latest invitations that reached them (or that they asked for), newest first.

    An invitation still waiting in the outbox (quiet hours, a later send time) or cancelled
    there (STOP) was never seen: words are not taken as answers to it.
    """
    delivered = polls.invitation_outbox_row(OutboxItem.status.not_in(("queued", "cancelled")))
    query = (
        select(PollInvitation, PollRecord)
        .join(PollRecord, PollRecord.id == PollInvitation.poll_id)
        .where(
            PollInvitation.contact_id == contact_id,
            (PollInvitation.kind == "joined") | delivered,
        )
        .order_by(PollInvitation.sent_at.desc(), PollInvitation.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def invitation_last_received(session: AsyncSession, contact_id: int) -> PollRecord | None:
    """The poll whose invitation is the last message the person received from us, if it is:
    then a bare "2" answers it, whatever options an earlier reply showed."""
    last = (
        select(Message.outbox_id)
        .where(Message.contact_id == contact_id, Message.direction == "out")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    found = await session.scalar(
        select(OutboxItem.source).where(OutboxItem.id == last, OutboxItem.kind == polls.KIND)
    )
    return await polls.get(session, found.removeprefix("poll:")) if found else None


async def invitation(
    session: AsyncSession, poll_id: str, contact_id: int
) -> PollInvitation | None:
    return await session.scalar(
        select(PollInvitation).where(
            PollInvitation.poll_id == poll_id, PollInvitation.contact_id == contact_id
        )
    )


async def join(session: AsyncSession, poll_id: str, contact_id: int, now: datetime) -> None:
    """A person takes part without an invitation (SONDAGE): recorded, so sends skip them."""
    if await invitation(session, poll_id, contact_id) is None:
        session.add(
            PollInvitation(poll_id=poll_id, contact_id=contact_id, kind="joined", sent_at=now)
        )
        await session.flush()


async def may_join(session: AsyncSession, record: PollRecord, contact_id: int) -> bool:
    """Invited, or in the audience of one of the poll's sends."""
    if await invitation(session, record.id, contact_id) is not None:
        return True
    return await in_audience(session, record, contact_id)


async def in_audience(session: AsyncSession, record: PollRecord, contact_id: int) -> bool:
    """In the audience of one of the poll's sends, as the person is now."""
    segments = await session.scalars(select(PollSend.segment).where(PollSend.poll_id == record.id))
    for segment in set(segments):
        audience = Audience.from_canonical(segment)
        found = await session.scalar(
            select(Contact.id).where(Contact.id == contact_id, *audiences.conditions(audience))
        )
        if found is not None:
            return True
    return False


async def open_polls(session: AsyncSession, now: datetime) -> list[PollRecord]:
    records = await session.scalars(
        select(PollRecord).where(PollRecord.status == "sent").order_by(PollRecord.created_at)
    )
    return [r for r in records if polls.is_open(r, now)]


async def answers_of(session: AsyncSession, poll_id: str, contact_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(PollAnswer.question_id, PollAnswer.value).where(
            PollAnswer.poll_id == poll_id, PollAnswer.contact_id == contact_id
        )
    )
    return dict(rows.all())


async def save_answer(
    session: AsyncSession,
    poll_id: str,
    question_id: str,
    contact: Contact,
    value: str,
    *,
    free_text: bool,
    now: datetime,
) -> str | None:
    """Keep the person's answer, replacing an earlier one; returns the earlier value, if any."""
    previous = await session.scalar(
        select(PollAnswer.value).where(
            PollAnswer.poll_id == poll_id,
            PollAnswer.question_id == question_id,
            PollAnswer.contact_id == contact.id,
        )
    )
    await record_answer(
        session,
        poll_id,
        question_id,
        contact,
        value,
        free_text=free_text,
        now=now,
        previous=previous,
    )
    return previous


async def record_answer(
    session: AsyncSession,
    poll_id: str,
    question_id: str,
    contact: Contact,
    value: str,
    *,
    free_text: bool,
    now: datetime,
    previous: str | None,
) -> None:
    """`save_answer` for a caller that already read the earlier answer (`answers_of`)."""
    if previous is not None:
        if previous != value:
            await session.execute(
                update(PollAnswer)
                .where(
                    PollAnswer.poll_id == poll_id,
                    PollAnswer.question_id == question_id,
                    PollAnswer.contact_id == contact.id,
                )
                .values(value=value, changed_at=now)
            )
        return
    session.add(
        PollAnswer(
            poll_id=poll_id,
            question_id=question_id,
            contact_id=contact.id,
            value=value,
            free_text=free_text,
            channel=contact.channel,
            language=contact.language,
            country=contact.country,
            answered_at=now,
        )
    )
    await session.flush()


async def personal_answers(
    session: AsyncSession, contact_id: int
) -> list[tuple[PollRecord, str, str]]:
    """Everything a person answered (MES DONNEES): (poll, question id, value)."""
    rows = await session.execute(
        select(PollRecord, PollAnswer.question_id, PollAnswer.value)
        .join(PollRecord, PollRecord.id == PollAnswer.poll_id)
        .where(PollAnswer.contact_id == contact_id)
        .order_by(PollAnswer.answered_at, PollAnswer.id)
    )
    return [(r, q, v) for r, q, v in rows.all()]
