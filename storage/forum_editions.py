"""Forum editions staff open and close, and the list of people waiting for registration to open.

An edition holds what forums.yaml does not: confirmed dates, place and capacity. At most one
edition of a forum is open at a time. The interest list is each person's own request ("tell me when
registration opens"), kept until they are told, shown in MES DONNEES and erased with the person
(ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import Contact, ForumEdition, ForumInterest

OPEN, CLOSED = "open", "closed"
PLACE_MAX = 200  # characters: a venue and a city, said in one SMS with the dates


class EditionError(ValueError):
    """Why an edition cannot be opened or closed, in words staff can act on; `code` names the
    reason for faces that say it in the staff's language (the back office)."""

    def __init__(self, message: str, code: str = "other") -> None:
        super().__init__(message)
        self.code = code


async def open_editions(session: AsyncSession) -> dict[str, ForumEdition]:
    """The open edition of each forum that has one."""
    found = await session.scalars(select(ForumEdition).where(ForumEdition.status == OPEN))
    return {edition.forum_id: edition for edition in found}


async def latest_editions(session: AsyncSession) -> dict[str, ForumEdition]:
    """The latest edition of each forum, open or closed."""
    latest: dict[str, ForumEdition] = {}
    for edition in await all_editions(session):
        latest[edition.forum_id] = edition  # in id order: the last one wins
    return latest


async def all_editions(session: AsyncSession) -> list[ForumEdition]:
    return list(await session.scalars(select(ForumEdition).order_by(ForumEdition.id)))


async def open_edition(
    session: AsyncSession,
    forum_id: str,
    *,
    starts_on: date,
    ends_on: date,
    place: str,
    capacity: int,
    actor: str,
    now: datetime,
) -> ForumEdition:
    if starts_on > ends_on:
        raise EditionError(
            "the forum cannot end before it starts (--ends is before --starts)", "ends_first"
        )
    if capacity < 1:
        raise EditionError("--capacity must be a positive number of places", "capacity")
    if not place.strip():
        raise EditionError("--place must say where the forum takes place", "place_empty")
    if len(place.strip()) > PLACE_MAX:
        raise EditionError(f"--place is longer than {PLACE_MAX} characters", "place_long")
    if starts_on < now.date():
        raise EditionError("--starts is in the past", "starts_past")
    if forum_id in await open_editions(session):
        raise EditionError(
            f"an edition of {forum_id} is already open: close it first", "already_open"
        )
    edition = ForumEdition(
        forum_id=forum_id,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        capacity=capacity,
        status=OPEN,
        opened_by=actor,
        opened_at=now,
    )
    session.add(edition)
    await session.flush()
    await audit.record(
        session,
        actor,
        "forum.opened",
        f"forum:{forum_id}",
        {
            "edition": edition.id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "place": edition.place,
            "capacity": capacity,
        },
        at=now,
    )
    return edition


async def close_edition(
    session: AsyncSession, forum_id: str, *, actor: str, now: datetime
) -> ForumEdition:
    edition = (await open_editions(session)).get(forum_id)
    if edition is None:
        raise EditionError(f"no edition of {forum_id} is open", "none_open")
    edition.status = CLOSED
    edition.closed_by = actor
    edition.closed_at = now
    await audit.record(
        session, actor, "forum.closed", f"forum:{forum_id}", {"edition": edition.id}, at=now
    )
    return edition


async def add_interest(
    session: AsyncSession, contact: Contact, forum_id: str, now: datetime
) -> bool:
    """The person asks to be told when registration opens; False if they already asked."""
    existing = await session.scalar(
        select(ForumInterest.id).where(
            ForumInterest.contact_id == contact.id, ForumInterest.forum_id == forum_id
        )
    )
    if existing is not None:
        return False
    session.add(ForumInterest(contact_id=contact.id, forum_id=forum_id, created_at=now))
    await session.flush()
    return True


async def interests_of(session: AsyncSession, contact_id: int) -> list[str]:
    """The forums a person is waiting for (MES DONNEES)."""
    found = await session.scalars(
        select(ForumInterest.forum_id)
        .where(ForumInterest.contact_id == contact_id)
        .order_by(ForumInterest.id)
    )
    return list(found)


async def waiting_for(session: AsyncSession, forum_id: str) -> list[Contact]:
    found = await session.scalars(
        select(Contact)
        .join(ForumInterest, ForumInterest.contact_id == Contact.id)
        .where(ForumInterest.forum_id == forum_id)
        .order_by(ForumInterest.id)
    )
    return list(found)


async def waiting_counts(session: AsyncSession) -> dict[str, int]:
    """How many people wait for each forum's registration to open (staff's `forum list`)."""
    rows = await session.execute(
        select(ForumInterest.forum_id, func.count()).group_by(ForumInterest.forum_id)
    )
    return {forum_id: count for forum_id, count in rows.all()}


async def forget_interest(session: AsyncSession, forum_id: str) -> None:
    """Once told, people are no longer kept on the list: it served its one purpose."""
    await session.execute(delete(ForumInterest).where(ForumInterest.forum_id == forum_id))
