"""Audiences: who a broadcast reaches, as SQL conditions on contacts.

Counting and expansion stay in the database (COUNT, GROUP BY, INSERT ... SELECT): an audience of a
million people is never loaded into memory. Whatever the audience, opted-out and unreachable
people, relatives who have not accepted an invitation yet, and staff chats never receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, ForumEdition, Registration
from storage.registrations import NO_EDITION

# Telegram groups and channels have negative chat ids: a broadcast never posts into a group.
_TELEGRAM_GROUP_PREFIX = "telegram:-"


@dataclass(frozen=True)
class Audience:
    """Every condition given must hold; None (or empty) means "any"."""

    channel: str | None = None  # sms | telegram | console
    language: str | None = None
    country: str | None = None  # ISO 3166 alpha-2, upper case
    subscribers: bool = False  # subscribed to the awareness series
    # A live (not cancelled) registration for each forum's latest edition: "forum:fidima" is
    # the people coming to the next FIDIMA, not everyone who ever registered for one.
    forums: tuple[str, ...] = ()

    def canonical(self) -> str:
        """The stored form ("channel:sms,lang:fr"), read back by `from_canonical`."""
        parts = [
            *([f"channel:{self.channel}"] if self.channel else []),
            *([f"lang:{self.language}"] if self.language else []),
            *([f"country:{self.country}"] if self.country else []),
            *(["subscribers"] if self.subscribers else []),
            *(f"forum:{forum}" for forum in self.forums),
        ]
        return ",".join(parts) or "all"

    @classmethod
    def from_canonical(cls, text: str) -> Audience:
        """Read a stored segment back. People's input goes through `handlers.segments.parse`,
        which explains mistakes; this only decodes what that parser produced."""
        fields: dict = {"forums": []}
        for part in text.split(","):
            kind, _, value = part.strip().partition(":")
            if kind == "all" and not value:
                continue
            if kind == "subscribers" and not value:
                fields["subscribers"] = True
            elif kind == "forum" and value:
                fields["forums"].append(value)
            elif kind in _SINGLE and value and _SINGLE[kind] not in fields:
                fields[_SINGLE[kind]] = value
            else:
                raise ValueError(f"not a stored segment: {text!r}")
        fields["forums"] = tuple(fields["forums"])
        return cls(**fields)


_SINGLE = {"channel": "channel", "lang": "language", "country": "country"}


def reachable() -> list[ColumnElement[bool]]:
    """Who may receive bulk messages at all."""
    return [
        Contact.opted_out.is_(False),
        Contact.unreachable.is_(False),
        Contact.staff_chat.is_(False),
        Contact.consent != "pending",  # an invited relative receives nothing until they say yes
        ~Contact.address.startswith(_TELEGRAM_GROUP_PREFIX),
    ]


def conditions(audience: Audience) -> list[ColumnElement[bool]]:
    where = reachable()
    if audience.channel:
        where.append(Contact.channel == audience.channel)
    if audience.language:
        where.append(Contact.language == audience.language)
    if audience.country:
        where.append(Contact.country == audience.country)
    if audience.subscribers:
        where.append(Contact.subscribed.is_(True))
    for forum in audience.forums:
        where.append(
            exists().where(
                Registration.contact_id == Contact.id,
                Registration.forum_id == forum,
                Registration.edition_id == _latest_edition(forum),
                Registration.status != "cancelled",
            )
        )
    return where


def _latest_edition(forum: str) -> ColumnElement[int]:
    """The id of the forum's latest edition (open or closed): NO_EDITION (0) when staff never
    opened one, so that registrations made before editions were recorded still count."""
    latest = select(func.max(ForumEdition.id)).where(ForumEdition.forum_id == forum)
    return func.coalesce(latest.scalar_subquery(), NO_EDITION)


async def count(session: AsyncSession, audience: Audience) -> int:
    query = select(func.count()).select_from(Contact).where(*conditions(audience))
    return await session.scalar(query) or 0


async def count_by_language_and_channel(
    session: AsyncSession, audience: Audience, extra: Sequence[ColumnElement[bool]] = ()
) -> dict[tuple[str, str], int]:
    """{(language, channel): people}, counted by the database; `extra` narrows the audience
    further (polls leave out people invited to one this week)."""
    query = (
        select(Contact.language, Contact.channel, func.count())
        .where(*conditions(audience), *extra)
        .group_by(Contact.language, Contact.channel)
    )
    return {(lang, channel): n for lang, channel, n in (await session.execute(query)).all()}


async def ids_after(
    session: AsyncSession,
    audience: Audience,
    after_id: int,
    limit: int,
    extra: Sequence[ColumnElement[bool]] = (),
) -> list[int]:
    """The next `limit` contact ids of the audience above `after_id`: one keyset page."""
    query = (
        select(Contact.id)
        .where(*conditions(audience), *extra, Contact.id > after_id)
        .order_by(Contact.id)
        .limit(limit)
    )
    return list(await session.scalars(query))
