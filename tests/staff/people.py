"""People in the database for the staff tools' tests, written directly (the setting, not the
thing under test)."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models import Contact, Registration

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def add_people(db: Database, *people: dict) -> list[int]:
    """Contacts from dicts of Contact fields (address and channel required); their ids."""
    ids = []
    async with db.transaction() as session:
        for fields in people:
            contact = Contact(
                **{
                    "language": "fr",
                    "opted_out": False,
                    "unreachable": False,
                    "subscribed": False,
                    "awareness_offered": False,
                    "awareness_next": 1,
                    "consent": "self",
                    "created_at": T0,
                    **fields,
                }
            )
            session.add(contact)
            await session.flush()
            ids.append(contact.id)
    return ids


async def register(db: Database, contact_id: int, forum: str, status: str = "confirmed") -> None:
    async with db.transaction() as session:
        session.add(
            Registration(
                forum_id=forum,
                contact_id=contact_id,
                code=f"{forum[:3].upper()}-{contact_id}-{status[:2]}",
                status=status,
                answers={},
                created_at=T0,
            )
        )


def sms(n: int, **fields) -> dict:
    return {"address": f"tel:+2237600{n:04d}", "channel": "sms", **fields}


def telegram(n: int, **fields) -> dict:
    return {"address": f"telegram:{5000 + n}", "channel": "telegram", **fields}
