"""Forum registrations: a seat decided under a lock, door codes, the waitlist, cancelling.

A registration belongs to one edition of a forum (`edition_id`, a forum_editions row): seats,
the waitlist and "already registered" are counted within that edition, so registering for a past
edition does not block the next one. Registrations made before editions were recorded carry
NO_EDITION.

Capacity holds under load because every decision about a forum's seats (register, cancel,
promote) first locks that forum's `forum_counters` row: `SELECT ... FOR UPDATE` on PostgreSQL;
on SQLite every transaction already holds the database's write lock from BEGIN IMMEDIATE. Under
the lock the counts are read from the registrations themselves (READ COMMITTED sees what the
previous lock holder committed), so a person erased with their registrations frees a seat
instead of leaving the counter wrong.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, ForumCounter, Registration

NO_EDITION = 0  # a registration made before editions were recorded (or a test's edition)

# Characters a person reads aloud and types on a phone keypad without confusion: no 0/O and no
# 1/I/L (Crockford's base 32 without 0 and 1; it also leaves out U). 30^4 = 810,000 codes a forum.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 4
_CODE_ATTEMPTS = 20
# "FID-7K3Q", "fid 7k3q", "FID7K3Q": a prefix of 2-5 letters, then the 4 characters.
_CODE = re.compile(
    rf"^\s*([A-Za-z]{{2,5}})\s*[-_.\s]?\s*([{CODE_ALPHABET}{CODE_ALPHABET.lower()}]{{4}})\s*$"
)


@dataclass(frozen=True)
class Outcome:
    """What `register` decided."""

    registration: Registration
    position: int | None  # place on the waitlist (1 = next), None when confirmed
    existing: bool = False  # the person was already registered: nothing changed
    promoted: list[Registration] = field(default_factory=list)  # got a seat meanwhile


def new_code(prefix: str, choice: Callable[[str], str] = secrets.choice) -> str:
    return f"{prefix}-" + "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """'fid 7k3q' -> 'FID-7K3Q'; None if `text` is not shaped like a code."""
    match = _CODE.match(text)
    if not match:
        return None
    return f"{match.group(1).upper()}-{match.group(2).upper()}"


async def _lock(session: AsyncSession, forum_id: str) -> ForumCounter:
    """The forum's counter row, locked until the transaction ends (created on first use)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(ForumCounter)
        .values(forum_id=forum_id, confirmed=0, waitlist_seq=0)
        .on_conflict_do_nothing(index_elements=["forum_id"])
    )
    counter = await session.scalar(
        select(ForumCounter)
        .where(ForumCounter.forum_id == forum_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert counter is not None
    return counter


def _of_edition(forum_id: str, edition_id: int):  # noqa: ANN202 - a SQL condition
    return (Registration.forum_id == forum_id) & (Registration.edition_id == edition_id)


async def _confirmed_count(session: AsyncSession, forum_id: str, edition_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(_of_edition(forum_id, edition_id), Registration.status == "confirmed")
        )
        or 0
    )


async def _fill_free_seats(
    session: AsyncSession,
    forum_id: str,
    edition_id: int,
    capacity: int,
    confirmed: int,
    now: datetime,
) -> list[Registration]:
    """Give the edition's free seats to the first on its waitlist, in order; call with the lock
    held."""
    free = capacity - confirmed
    if free <= 0:
        return []
    first = list(
        await session.scalars(
            select(Registration)
            .where(_of_edition(forum_id, edition_id), Registration.status == "waitlisted")
            .order_by(Registration.waitlist_seq, Registration.id)
            .limit(free)
        )
    )
    for registration in first:
        registration.status = "confirmed"
        registration.updated_at = now
    await session.flush()
    return first


async def live_for(
    session: AsyncSession, forum_id: str, contact_id: int, edition_id: int
) -> Registration | None:
    """The person's registration for this edition of the forum that is not cancelled, if any."""
    return await session.scalar(
        select(Registration).where(
            _of_edition(forum_id, edition_id),
            Registration.contact_id == contact_id,
            Registration.status != "cancelled",
        )
    )


async def position(session: AsyncSession, registration: Registration) -> int | None:
    """Place on the waitlist (1 = next to get a seat); None unless waitlisted."""
    if registration.status != "waitlisted":
        return None
    return await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            _of_edition(registration.forum_id, registration.edition_id),
            Registration.status == "waitlisted",
            Registration.waitlist_seq <= registration.waitlist_seq,
        )
    )


async def _unused_code(session: AsyncSession, prefix: str) -> str:
    # Codes of one forum are made under its lock and prefixes differ between forums, so a code
    # checked free here stays free until we commit.
    for _ in range(_CODE_ATTEMPTS):
        code = new_code(prefix)
        taken = await session.scalar(select(Registration.id).where(Registration.code == code))
        if taken is None:
            return code
    raise RuntimeError(f"no free registration code with prefix {prefix} after retries")


async def register(
    session: AsyncSession,
    *,
    forum_id: str,
    edition_id: int = NO_EDITION,
    code_prefix: str,
    capacity: int,
    contact_id: int,
    answers: dict,
    now: datetime,
) -> Outcome:
    """Register a person for an edition: a seat if one is free, else the waitlist; once per
    person and edition.

    The lock is the forum's (one counter row a forum, whatever the edition): at most one
    edition of a forum is open, so editions never wait on each other in practice. The counter
    caches the counted edition's seats.
    """
    counter = await _lock(session, forum_id)
    existing = await live_for(session, forum_id, contact_id, edition_id)
    confirmed = await _confirmed_count(session, forum_id, edition_id)
    promoted = await _fill_free_seats(session, forum_id, edition_id, capacity, confirmed, now)
    confirmed += len(promoted)
    if existing is not None:
        counter.confirmed = confirmed
        return Outcome(existing, await position(session, existing), True, promoted)
    registration = Registration(
        forum_id=forum_id,
        edition_id=edition_id,
        contact_id=contact_id,
        code=await _unused_code(session, code_prefix),
        answers=dict(answers),
        created_at=now,
        updated_at=now,
    )
    if confirmed < capacity:
        registration.status = "confirmed"
        confirmed += 1
    else:
        counter.waitlist_seq += 1
        registration.status = "waitlisted"
        registration.waitlist_seq = counter.waitlist_seq
    counter.confirmed = confirmed
    session.add(registration)
    await session.flush()
    return Outcome(registration, await position(session, registration), False, promoted)


async def by_code(session: AsyncSession, code: str) -> Registration | None:
    return await session.scalar(select(Registration).where(Registration.code == code))


async def cancel(
    session: AsyncSession, registration: Registration, capacity: int | None, now: datetime
) -> list[Registration]:
    """Cancel a registration; returns those of its edition promoted from the waitlist to the
    freed seat.

    `capacity` is the registration's edition's; None (the forum is no longer in forums.yaml,
    or that edition is over): nobody is promoted.
    """
    counter = await _lock(session, registration.forum_id)
    await session.refresh(registration)  # it may have changed while we waited for the lock
    if registration.status == "cancelled":
        return []
    registration.status = "cancelled"
    registration.updated_at = now
    await session.flush()
    forum_id, edition_id = registration.forum_id, registration.edition_id
    confirmed = await _confirmed_count(session, forum_id, edition_id)
    promoted: list[Registration] = []
    if capacity is not None:
        promoted = await _fill_free_seats(session, forum_id, edition_id, capacity, confirmed, now)
    counter.confirmed = confirmed + len(promoted)
    return promoted


async def of_contact(session: AsyncSession, contact_id: int) -> list[Registration]:
    """A person's registrations that are not cancelled, oldest first."""
    return list(
        await session.scalars(
            select(Registration)
            .where(Registration.contact_id == contact_id, Registration.status != "cancelled")
            .order_by(Registration.created_at, Registration.id)
        )
    )


async def confirmed_with_contacts(
    session: AsyncSession, forum_id: str, edition_id: int
) -> Sequence[tuple[Registration, Contact]]:
    """Confirmed registrations of one edition of a forum with their person, for reminders."""
    rows = await session.execute(
        select(Registration, Contact)
        .join(Contact, Contact.id == Registration.contact_id)
        .where(_of_edition(forum_id, edition_id), Registration.status == "confirmed")
        .order_by(Registration.id)
    )
    return [(registration, contact) for registration, contact in rows.all()]


async def for_export(
    session: AsyncSession, forum_id: str | None = None, edition_id: int | None = None
) -> list[tuple[Registration, int | None]]:
    """Every registration (cancelled ones too) with its waitlist position in its edition, by
    forum, edition and date."""
    query = select(Registration).order_by(
        Registration.forum_id, Registration.edition_id, Registration.created_at, Registration.id
    )
    if forum_id is not None:
        query = query.where(Registration.forum_id == forum_id)
    if edition_id is not None:
        query = query.where(Registration.edition_id == edition_id)
    registrations = list(await session.scalars(query))
    waiting: dict[tuple[str, int], list[Registration]] = {}
    for registration in registrations:
        if registration.status == "waitlisted":
            key = (registration.forum_id, registration.edition_id)
            waiting.setdefault(key, []).append(registration)
    positions: dict[int, int] = {}
    for queue in waiting.values():
        queue.sort(key=lambda r: (r.waitlist_seq or 0, r.id))
        positions.update({r.id: i for i, r in enumerate(queue, start=1)})
    return [(r, positions.get(r.id)) for r in registrations]


async def counts_by_edition(session: AsyncSession) -> dict[int, dict[str, int]]:
    """{edition id: {status: count}} for staff's lists (`forum list`, the back office)."""
    rows = await session.execute(
        select(Registration.edition_id, Registration.status, func.count()).group_by(
            Registration.edition_id, Registration.status
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for edition_id, status, count in rows.all():
        counts.setdefault(edition_id, {})[status] = count
    return counts
