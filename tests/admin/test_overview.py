"""The overview's figures, counted by the database on both engines."""

from __future__ import annotations

import uuid
from datetime import timedelta

from storage import overview
from storage.models import Message, utcnow
from tests.staff.people import add_people


async def _messages(db, contact_id: int, when, direction: str, n: int) -> None:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        for _ in range(n):
            session.add(Message(contact_id=contact_id, channel="sms", direction=direction,
                                text="x", status="sent", created_at=when))  # fmt: skip


async def test_messages_per_day_counts_past_days_once_and_today_live(db) -> None:
    [person] = await add_people(db, {"address": "tel:+22376000001", "channel": "sms"})
    now = utcnow().replace(hour=12)
    await _messages(db, person, now - timedelta(days=2), "in", 3)
    await _messages(db, person, now - timedelta(days=2), "out", 2)
    await _messages(db, person, now - timedelta(days=45), "in", 7)  # outside the 30 days
    await _messages(db, person, now, "in", 1)
    key = f"test-{uuid.uuid4()}"
    async with db.transaction() as session:
        days, incoming, outgoing = await overview.messages_per_day(session, now, cache_key=key)
    two_days_ago, today = (now - timedelta(days=2)).date(), now.date()
    assert len(days) == 30 and days[-1] == today
    assert (incoming, outgoing) == ({two_days_ago: 3, today: 1}, {two_days_ago: 2})
    await _messages(db, person, now, "in", 4)  # today: seen at once
    async with db.transaction() as session:
        _, incoming, _ = await overview.messages_per_day(session, now, cache_key=key)
    assert incoming == {two_days_ago: 3, today: 5}


async def test_people_are_counted_by_channel_language_and_country(db) -> None:
    await add_people(
        db,
        {"address": "tel:+22376000001", "channel": "sms", "country": "ML"},
        {"address": "tel:+33612345678", "channel": "sms", "country": "FR", "language": "en"},
        {"address": "telegram:42", "channel": "telegram"},
        {"address": "telegram:-100", "channel": "telegram", "staff_chat": True},  # no person
    )
    async with db.transaction() as session:
        total, channels, languages, countries = await overview.people(session)
    assert total == 3
    assert channels == {"sms": 2, "telegram": 1}
    assert languages == {"fr": 2, "en": 1}
    assert countries == {"ML": 1, "FR": 1, overview.UNKNOWN: 1}
