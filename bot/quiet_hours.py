"""Quiet hours in the recipient's local time: no bulk message wakes a family at night.

A person's time zone comes from their country of residence (the one country table's rule,
`knowledge.countries.timezone_for`), else from their phone number, else Mali's. The zones come
from `tzdata` (a dependency), so this works on slim images without /usr/share/zoneinfo.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezones

from knowledge.countries import timezone_for

logger = logging.getLogger(__name__)

DEFAULT_ZONE = "Africa/Bamako"

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def country_zone(country: str | None) -> str | None:
    return timezone_for(country.upper()) if country else None


def phone_zone(address: str) -> str | None:
    """The zone of a `tel:` address's number (by area code where the country has several)."""
    if not address.startswith("tel:"):
        return None
    try:
        number = phonenumbers.parse(address[4:])
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in phone_timezones.time_zones_for_number(number) if z != "Etc/Unknown"]
    if zones:
        return zones[0]
    return country_zone(phonenumbers.region_code_for_number(number))


@lru_cache(maxsize=65536)
def zone_for(country: str | None, address: str) -> ZoneInfo:
    """Country of residence first, then the phone number, then Mali."""
    for name in (country_zone(country), phone_zone(address), DEFAULT_ZONE):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                logger.warning("unknown time zone %s", name)
    return ZoneInfo(DEFAULT_ZONE)


@dataclass(frozen=True)
class QuietHours:
    """A daily window in local time, `start` included, `end` excluded; it may span midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, raw: str) -> QuietHours | None:
        """'21:00-08:00' -> QuietHours; '' -> None (quiet hours off)."""
        if not raw.strip():
            return None
        match = _RANGE.match(raw)
        if not match:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {raw!r}")
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"not a time of day in {raw!r}")
        if (h1, m1) == (h2, m2):
            return None  # an empty window
        return cls(time(h1, m1), time(h2, m2))

    def _inside(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def resume_at(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When a message due `now` may go out in `zone`: None if now is fine, else the end of
        this quiet period (in UTC's timeline, an aware datetime)."""
        local = now.astimezone(zone)
        if not self._inside(local.time().replace(tzinfo=None)):
            return None
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            day += timedelta(days=1)  # evening: the quiet period ends tomorrow morning
        resume = datetime.combine(day, self.end, tzinfo=zone)
        # A DST gap can put the local end time in a skipped hour; fold to a real instant.
        return resume.astimezone(now.tzinfo) if now.tzinfo else resume
