"""editions_1 on a database that already holds registrations: each one is given the edition it
was made in (0 when no edition had been opened), and downgrading keeps one live row per forum."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from storage.db import Database, alembic_config
from storage.models import Contact, ForumEdition, Registration, UTCDateTime

OLD_REGISTRATIONS = sa.table(
    "registrations",
    sa.column("forum_id"),
    sa.column("contact_id"),
    sa.column("code"),
    sa.column("status"),
    sa.column("answers", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
)


def at(month: int) -> datetime:
    return datetime(2026, month, 1, tzinfo=UTC)


async def migrate(db: Database, revision: str) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def test_old_registrations_get_the_edition_they_were_made_in(db: Database) -> None:
    await migrate(db, "sms_1")  # the schema before registrations had an edition
    async with db.transaction() as session:
        person = Contact(address="console:awa", channel="console", language="fr")
        session.add(person)
        session.add(
            ForumEdition(
                forum_id="fidima",
                starts_on=date(2027, 3, 15),
                ends_on=date(2027, 3, 16),
                place="Bamako",
                capacity=10,
                status="open",
                opened_by="cli:tester",
                opened_at=at(9),
            )
        )
        await session.flush()
        rows = [("FID-2222", at(8)), ("FID-3333", at(10))]  # before, then after the opening
        await session.execute(
            sa.insert(OLD_REGISTRATIONS),
            [
                {
                    "forum_id": "fidima",
                    "contact_id": person.id,
                    "code": code,
                    "status": "cancelled" if code == "FID-2222" else "confirmed",
                    "answers": {},
                    "created_at": when,
                }  # fmt: skip
                for code, when in rows
            ],
        )
    await db.upgrade()
    async with db.transaction() as session:
        edition = await session.scalar(select(ForumEdition.id))
        found = dict(
            (await session.execute(select(Registration.code, Registration.edition_id))).all()
        )
    assert found == {"FID-2222": 0, "FID-3333": edition}
