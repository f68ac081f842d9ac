"""Preparing a broadcast, for staff on Telegram and on the command line alike: the SMS version of
each text, the preview (who and how many, what SMS will cost), when, and the creation itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge import gsm7
from storage import audience as audiences
from storage import broadcasts
from storage.audience import Audience
from storage.models import Broadcast

# Staff type times in Bamako time (GMT all year, no daylight saving): what they see on the wall.
BAMAKO = ZoneInfo("Africa/Bamako")
TIME_FORMAT = "%Y-%m-%d %H:%M"
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}$")
NOW_WORDS = ("now", "maintenant", "tout de suite", "immediatement")


class WhenError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code  # bad_time | past
        super().__init__(
            "a time is YYYY-MM-DD HH:MM (Bamako time), or an ISO time with its offset"
            if code == "bad_time"
            else "that time is already past"
        )


def parse_when(text: str, now: datetime) -> datetime:
    """'now', 'YYYY-MM-DD HH:MM' (Bamako time) or an ISO time with offset -> an aware UTC time."""
    raw = text.strip()
    if raw.lower() in NOW_WORDS:
        return now
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise WhenError("bad_time") from None
    if parsed.tzinfo is None:
        if not _LOCAL_TIME.match(raw):  # a bare date is too vague to send an announcement at
            raise WhenError("bad_time")
        parsed = parsed.replace(tzinfo=BAMAKO)
    when = parsed.astimezone(UTC)
    if when < now.replace(second=0, microsecond=0):
        raise WhenError("past")
    return when


def local(when: datetime) -> str:
    """A time as staff read it: Bamako time."""
    return when.astimezone(BAMAKO).strftime(TIME_FORMAT)


def sms_version(text: str | None) -> str | None:
    """Our own texts go out in GSM-7 where a reader loses nothing (160 characters a segment)."""
    return gsm7.transliterate(text.strip()) if text else None


@dataclass(frozen=True)
class SmsCost:
    language: str  # of the text sent
    encoding: str  # GSM-7 | UCS-2
    segments: int  # per message
    recipients: int  # SMS recipients who get this text

    @property
    def total_segments(self) -> int:
        return self.segments * self.recipients


@dataclass(frozen=True)
class Preview:
    total: int
    by_language_channel: dict[tuple[str, str], int]
    sms: tuple[SmsCost, ...]

    @property
    def sms_segments(self) -> int:
        return sum(cost.total_segments for cost in self.sms)


async def preview(
    session: AsyncSession,
    text_fr: str | None,
    text_en: str | None,
    audience: Audience,
    extra: Sequence[ColumnElement[bool]] = (),
) -> Preview:
    """How many people, by language and channel, and what the SMS will cost, per text
    (`extra`: further conditions on contacts, as a poll's weekly limit)."""
    counts = await audiences.count_by_language_and_channel(session, audience, extra)
    sms_by_text: dict[str, int] = {}
    for (language, channel), n in counts.items():
        if channel == "sms":
            chosen = broadcasts.text_language(language, text_fr, text_en)
            sms_by_text[chosen] = sms_by_text.get(chosen, 0) + n
    costs = []
    for language, text in (("fr", text_fr), ("en", text_en)):
        if not text:
            continue
        info = gsm7.segments(sms_version(text) or "")
        costs.append(SmsCost(language, info.encoding, info.segments, sms_by_text.get(language, 0)))
    return Preview(sum(counts.values()), counts, tuple(costs))


async def create(
    session: AsyncSession,
    *,
    text_fr: str | None,
    text_en: str | None,
    audience: Audience,
    send_at: datetime,
    actor: str,
    now: datetime,
) -> tuple[Broadcast, Preview]:
    """Schedule a broadcast (audited); sending is the scheduler's, through the outbox."""
    text_fr, text_en = (text_fr or "").strip() or None, (text_en or "").strip() or None
    shown = await preview(session, text_fr, text_en, audience)
    broadcast = await broadcasts.create(
        session,
        text_fr=text_fr,
        text_en=text_en,
        sms_text_fr=sms_version(text_fr),
        sms_text_en=sms_version(text_en),
        audience=audience,
        send_at=send_at,
        actor=actor,
        now=now,
        estimated=shown.total,
    )
    return broadcast, shown
