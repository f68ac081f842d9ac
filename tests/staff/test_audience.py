"""Who a broadcast reaches: segments parsed, counted and expanded by the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from handlers import announcements
from handlers.segments import SegmentError, parse
from storage import audience as audiences
from storage import broadcasts, forum_editions
from storage.audience import Audience
from storage.models import Broadcast, OutboxItem, Registration
from tests.staff.people import T0, add_people, register, sms, telegram


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", Audience()),
        ("ALL", Audience()),
        ("channel:sms", Audience(channel="sms")),
        ("channel:SMS, lang:en", Audience(channel="sms", language="en")),
        ("country:fr,subscribers", Audience(country="FR", subscribers=True)),
        ("forum:fidima,forum:women_forum", Audience(forums=("fidima", "women_forum"))),
        ("lang:fr,lang:fr", Audience(language="fr")),
    ],
)
def test_segments_parse(text: str, expected: Audience) -> None:
    audience = parse(text)
    assert audience == expected
    assert Audience.from_canonical(audience.canonical()) == expected


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("", "empty", "no segment"),
        ("all,lang:fr", "all_alone", "cannot be combined"),
        ("channel:fax", "bad_channel", "'fax' is not a channel"),
        ("lang:de", "bad_language", "'de' is not a language"),
        ("country:XX", "bad_country", "'XX' is not an ISO country"),
        ("country:France", "bad_country", "'FRANCE'"),
        ("forum:fidma", "unknown_forum", "fidima"),
        ("vip", "unknown_term", "'vip' is not a term"),
        ("lang:fr,,channel:sms", "empty_term", "two commas"),
        ("channel:sms,channel:telegram", "conflict", "can never both hold"),
    ],
)
def test_segment_mistakes_are_explained(text: str, code: str, says: str) -> None:
    with pytest.raises(SegmentError) as caught:
        parse(text)
    assert caught.value.code == code
    assert says in str(caught.value)


async def _population(db) -> dict[str, int]:
    ids = await add_people(
        db,
        sms(1, language="fr", country="ML"),
        sms(2, language="en", country="ML", subscribed=True),
        sms(3, language="fr", opted_out=True),
        telegram(1, language="fr", country="FR", subscribed=True),
        telegram(2, language="en", country="FR"),
        telegram(3, language="en", unreachable=True),
        telegram(4, language="fr", consent="pending"),
        {"address": "telegram:-100777", "channel": "telegram"},  # a group
        {"address": "telegram:-100888", "channel": "telegram", "staff_chat": True},
        {"address": "console:awa", "channel": "console", "language": "fr"},
    )
    names = ["sms_fr", "sms_en", "sms_out", "tg_fr", "tg_en", "tg_gone", "tg_pending"]
    people = dict(zip(names, ids, strict=False))
    await register(db, people["sms_fr"], "fidima")
    await register(db, people["tg_en"], "fidima", status="cancelled")
    await register(db, people["tg_fr"], "fidima", status="waitlisted")
    return people


@pytest.mark.parametrize(
    ("segment", "who"),
    [
        ("all", {"sms_fr", "sms_en", "tg_fr", "tg_en", "console"}),
        ("channel:sms", {"sms_fr", "sms_en"}),
        ("channel:telegram", {"tg_fr", "tg_en"}),
        ("lang:en", {"sms_en", "tg_en"}),
        ("country:FR", {"tg_fr", "tg_en"}),
        ("subscribers", {"sms_en", "tg_fr"}),
        ("forum:fidima", {"sms_fr", "tg_fr"}),
        ("forum:fidima,channel:sms", {"sms_fr"}),
        ("country:ML,lang:en,channel:sms", {"sms_en"}),
        ("forum:women_forum", set()),
    ],
)
async def test_audience_selection(db, segment: str, who: set[str]) -> None:
    people = await _population(db)
    audience = parse(segment)
    names = {v: k for k, v in people.items()}
    async with db.transaction() as session:
        ids = await audiences.ids_after(session, audience, 0, 100)
        assert await audiences.count(session, audience) == len(who)
    assert {names.get(i, "console") for i in ids} == who


async def test_a_forum_segment_reaches_the_coming_edition_not_every_past_one(db) -> None:
    # Two people came to a FIDIMA before staff recorded editions; staff then open the next one
    # and one person registers for it: "forum:fidima" is the people coming to that one.
    people = await _population(db)  # sms_fr confirmed, tg_fr waitlisted, no edition recorded
    async with db.transaction() as session:
        edition = await forum_editions.open_edition(
            session, "fidima", starts_on=date(2031, 3, 1), ends_on=date(2031, 3, 2),
            place="Bamako", capacity=100, actor="staff@example.org", now=T0,
        )  # fmt: skip
        session.add(
            Registration(
                forum_id="fidima",
                edition_id=edition.id,
                contact_id=people["sms_en"],
                code="FID-NEXT",
                status="confirmed",
                answers={},
                created_at=T0,
            )  # fmt: skip
        )
    async with db.transaction() as session:
        ids = await audiences.ids_after(session, parse("forum:fidima"), 0, 100)
        assert ids == [people["sms_en"]]
        # Closing registration does not change who is coming.
        await forum_editions.close_edition(session, "fidima", actor="staff@example.org", now=T0)
    async with db.transaction() as session:
        assert await audiences.count(session, parse("forum:fidima")) == 1


async def test_preview_counts_by_language_and_channel_and_sms_cost(db) -> None:
    await _population(db)
    async with db.transaction() as session:
        shown = await announcements.preview(
            session, "Réunion à l'ambassade, n° 3 — venez nombreux « demain ».", None, parse("all")
        )
    assert shown.total == 5
    assert shown.by_language_channel == {
        ("fr", "sms"): 1,
        ("en", "sms"): 1,
        ("fr", "telegram"): 1,
        ("en", "telegram"): 1,
        ("fr", "console"): 1,
    }
    # One text only: both SMS recipients get the French one, transliterated to GSM-7.
    (cost,) = shown.sms
    assert (cost.language, cost.encoding, cost.segments, cost.recipients) == ("fr", "GSM-7", 1, 2)


async def test_preview_of_a_text_that_needs_ucs2_counts_more_segments(db) -> None:
    await _population(db)
    long_arabic = "مرحبا " * 30  # 180 characters outside GSM-7: UCS-2, 67 a segment
    async with db.transaction() as session:
        shown = await announcements.preview(session, "Bonjour", long_arabic, parse("channel:sms"))
    by_lang = {c.language: c for c in shown.sms}
    assert (by_lang["fr"].encoding, by_lang["fr"].segments, by_lang["fr"].recipients) == (
        "GSM-7",
        1,
        1,
    )
    assert (by_lang["en"].encoding, by_lang["en"].segments, by_lang["en"].recipients) == (
        "UCS-2",
        3,
        1,
    )
    assert shown.sms_segments == 4


async def _broadcast(db, segment: str, *, text_fr="Bonjour à tous", text_en="Hello all", at=T0):
    async with db.transaction() as session:
        created, _ = await announcements.create(
            session,
            text_fr=text_fr,
            text_en=text_en,
            audience=parse(segment),
            send_at=at,
            actor="cli:test",
            now=T0,
        )
    return created.id


async def _outbox(db, broadcast_id: int) -> dict[int, OutboxItem]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxItem).where(OutboxItem.broadcast_id == broadcast_id)
        )
        return {row.contact_id: row for row in rows}


async def test_each_person_gets_one_message_in_their_language(db) -> None:
    people = await _population(db)
    broadcast_id = await _broadcast(db, "all", text_fr="Réunion mercredi à l'hôtel", text_en="Hi")
    async with db.transaction() as session:
        assert await broadcasts.queue_due(session, T0) == 5
    rows = await _outbox(db, broadcast_id)
    assert rows[people["tg_fr"]].text == "Réunion mercredi à l'hôtel"
    assert rows[people["sms_fr"]].text == "Réunion mercredi à l'hotel"  # GSM-7 for SMS
    assert rows[people["tg_en"]].text == "Hi"
    assert rows[people["sms_en"]].text == "Hi"
    assert people["sms_out"] not in rows and people["tg_gone"] not in rows
    row = rows[people["sms_en"]]
    assert (row.kind, row.source, row.status, row.channel, row.address) == (
        "broadcast",
        f"broadcast:{broadcast_id}",
        "queued",
        "sms",
        "tel:+22376000002",
    )
    assert row.dedupe_key == f"broadcast:{broadcast_id}:{people['sms_en']}"
    async with db.transaction() as session:
        assert await broadcasts.queue_due(session, T0) == 0  # idempotent
        broadcast = await session.get(Broadcast, broadcast_id)
        assert (broadcast.status, broadcast.recipients) == ("queued", 5)
    assert len(await _outbox(db, broadcast_id)) == 5


async def test_a_missing_language_falls_back_to_the_other(db) -> None:
    people = await _population(db)
    english_only = await _broadcast(db, "channel:telegram", text_fr=None, text_en="Meeting")
    async with db.transaction() as session:
        await broadcasts.queue_due(session, T0)
    rows = await _outbox(db, english_only)
    assert rows[people["tg_fr"]].text == "Meeting"
    assert rows[people["tg_en"]].text == "Meeting"


async def test_a_scheduled_broadcast_queues_at_its_time_not_before(db) -> None:
    from datetime import timedelta

    await _population(db)
    at = T0 + timedelta(hours=2)
    broadcast_id = await _broadcast(db, "all", at=at)
    async with db.transaction() as session:
        assert await broadcasts.queue_due(session, at - timedelta(minutes=1)) == 0
        assert (await session.get(Broadcast, broadcast_id)).status == "scheduled"
    assert await _outbox(db, broadcast_id) == {}
    async with db.transaction() as session:
        assert await broadcasts.queue_due(session, at) == 5
        assert (await session.get(Broadcast, broadcast_id)).status == "queued"


async def test_queuing_goes_in_pages_and_resumes(db, monkeypatch) -> None:
    people = [sms(i) for i in range(1, 24)]
    await add_people(db, *people)
    broadcast_id = await _broadcast(db, "all")
    monkeypatch.setattr(broadcasts, "MAX_BATCHES_PER_CALL", 2)
    written = []
    for _ in range(5):
        async with db.transaction() as session:
            written.append(await broadcasts.queue_due(session, T0, batch=5))
            status = (await session.get(Broadcast, broadcast_id)).status
        if status == "queued":
            break
        assert status == "queuing"
    assert written == [10, 10, 3]
    assert len(await _outbox(db, broadcast_id)) == 23


async def test_a_cancelled_broadcast_is_never_queued(db) -> None:
    await _population(db)
    broadcast_id = await _broadcast(db, "all")
    async with db.transaction() as session:
        _, why = await broadcasts.cancel(session, broadcast_id, "cli:test", T0)
        assert why is None
        _, again = await broadcasts.cancel(session, broadcast_id, "cli:test", T0)
        assert again == "not_cancellable"
        assert await broadcasts.queue_due(session, T0) == 0
    assert await _outbox(db, broadcast_id) == {}


async def test_progress_counts_the_outbox_rows(db) -> None:
    await _population(db)
    broadcast_id = await _broadcast(db, "channel:telegram")
    async with db.transaction() as session:
        await broadcasts.queue_due(session, T0)
        rows = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
        rows[0].status = "delivered"
        rows[1].status = "failed"
    async with db.transaction() as session:
        ((broadcast, progress),) = await broadcasts.listing(session)
    assert broadcast.id == broadcast_id
    assert (progress.queued, progress.sent, progress.delivered, progress.failed) == (0, 1, 1, 1)
