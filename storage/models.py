"""The database schema: every table the bot keeps, in one place.

Times are stored as UTC. SQLite keeps no time zone, so `UTCDateTime` puts it back on the way out:
the rest of the code only ever sees aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Explicit constraint names, so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Contact(Base):
    """A person the bot talks to, on one address (one channel)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 of residence
    name: Mapped[str | None] = mapped_column(String(200))
    # Bulk messages (awareness, broadcasts, reminders) never go to an opted-out person.
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The channel refused delivery for good (Telegram 403: blocked the bot, deactivated).
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    # Awareness series: subscribed, where in the series, and whether we offered it yet.
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    subscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awareness_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    awareness_next: Mapped[int] = mapped_column(Integer, default=1)
    # The scheduled run that last queued this person's message: a run that is repeated (a new
    # leader after a crash) skips those it already served, so no one moves two steps at once.
    awareness_last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Family enrolment: an invited relative receives nothing more until they say yes.
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    consent: Mapped[str] = mapped_column(String(16), default="self")  # self | pending | given
    # The staff's Telegram group: a chat the bot writes to, never an audience of broadcasts.
    staff_chat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the last reply offered, so that "2" on SMS means the second option.
    last_options: Mapped[list | None] = mapped_column(JSON)
    # What an SMS reply could not fit; sent on PLUS / MORE.
    more_text: Mapped[str | None] = mapped_column(Text)
    # Issue 13. Whether the person had the weekly series when they sent STOP: START gives it
    # back. And the FAQ entry answered last, which a follow-up ("how long does it take?") leans on.
    subscribed_before_stop: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    last_entry: Mapped[str | None] = mapped_column(String(64))
    # Language notes already given, each once: "fallback:bm" (some answers come in French),
    # "offer:bm" (Bambara offered to someone who wrote some); and "chosen" (they chose their
    # language with LANGUE), "app:en" (their Telegram app's language). handlers/languages.py.
    language_notices: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FlowState(Base):
    """Where a person is in a multi-step flow; in the database so SMS webhooks stay stateless."""

    __tablename__ = "flow_states"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Message(Base):
    """Every message in and out: statistics, audit, and the promise that nothing is lost."""

    __tablename__ = "messages"
    __table_args__ = (
        # A provider's retry of the same message (Twilio MessageSid) is stored once.
        UniqueConstraint("channel", "direction", "provider_id", name="uq_messages_provider"),
        Index("ix_messages_contact_created", "contact_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16)
    )  # received | pending | sent | delivered | failed
    provider_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(32))
    # An outbound reply points at the inbound message it answers (replayed on provider retries).
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The FAQ entry a turn answered, on the turn's first reply (the overview's "most asked
    # entries"); an entry's id, no personal data. Alternatives offered beside it do not count.
    entry_id: Mapped[str | None] = mapped_column(String(64))


class KnowledgeGap(Base):
    """A question the bot was unsure of or could not answer, counted, for the staff's list."""

    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    normalised: Mapped[str] = mapped_column(String(500), unique=True)
    example: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(8))  # unsure | none
    best_entry: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForumCounter(Base):
    """One row per forum, locked while a registration is decided, so capacity holds under load."""

    __tablename__ = "forum_counters"

    forum_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)


class Registration(Base):
    """A person's registration for one edition of a forum, with the code they show at the door."""

    __tablename__ = "registrations"
    __table_args__ = (
        # One live registration per person per edition; a cancelled one may be followed by
        # another, and registering for a past edition does not block the next one.
        Index(
            "uq_registrations_live",
            "forum_id",
            "edition_id",
            "contact_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forum_id: Mapped[str] = mapped_column(String(32), index=True)
    # The forum_editions row the registration belongs to; NO_EDITION (0) for registrations made
    # before editions were recorded (not a foreign key: 0 names no row, and editions are never
    # deleted). 0 rather than NULL so the unique index above holds on every database.
    edition_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # confirmed | waitlisted | cancelled
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)  # order on the waitlist
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(Base):
    """A relative's phone number enrolled by a family member for the awareness SMS."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))  # sent | accepted | declined | expired
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Broadcast(Base):
    """A staff announcement to a segment of people, now or at a set time."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_fr: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    # The SMS versions (transliterated to GSM-7 where nothing is lost), fixed at creation so the
    # preview's segment counts are what SMS recipients are sent.
    sms_text_fr: Mapped[str | None] = mapped_column(Text)
    sms_text_en: Mapped[str | None] = mapped_column(Text)
    segment: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # scheduled | queuing | queued | cancelled
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int | None] = mapped_column(Integer)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxItem(Base):
    """A message to send in bulk or later, drained by the dispatcher at each channel's rate.

    `dedupe_key` is unique per source and person: queuing the same announcement twice for the same
    person is a no-op, which is half of the promise that no one receives a message twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # The dispatcher's claim: the next queued rows of a channel, in order, read straight
        # off this (small: queued rows only) index instead of sorting every queued row.
        Index(
            "ix_outbox_queue",
            "channel",
            "next_attempt_at",
            "id",
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Indexed: STOP cancels a person's queued rows, and erasing a person cascades to them.
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # Buttons under a Telegram message, [[label, value], ...] (a poll's invitation); None: none.
    options: Mapped[list | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # awareness | broadcast | reminder | ticket | ...
    source: Mapped[str] = mapped_column(
        String(64)
    )  # e.g. broadcast:12, campaign:irregular_migration
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    # queued | sending | sent | delivered | failed | unknown | cancelled
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SMS: the provider that carries (or carried) it; set when a lane claims the row, or at
    # enqueueing for a reply that must go back through the provider the question came in on.
    provider: Mapped[str | None] = mapped_column(String(16))


class Schedule(Base):
    """A recurring job (awareness series, reminders); APScheduler only computes fire times."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    trigger: Mapped[str] = mapped_column(String(100))  # cron expression
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ticket(Base):
    """A person's question handed to ministry staff; the answer goes back on their channel."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # open | answered | closed
    question: Mapped[str] = mapped_column(Text)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)  # in the staff group
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Someone in danger on the migration route: staff see these first (issue 12).
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEntry(Base):
    """Who did what to whom: broadcasts created, scheduled, cancelled, sent; tickets answered."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class SmsProviderHealth(Base):
    """When an SMS provider (the Android phone above all) was last heard from, and its health.

    No personal data: one row per provider, for `stats` and the silence alert (issue 16).
    """

    __tablename__ = "sms_provider_health"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str | None] = mapped_column(String(16))  # pass | warn | fail | unreachable
    detail: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ForumEdition(Base):
    """One edition of a forum that staff opened for registration, with its confirmed dates, place
    and capacity (issue 12). knowledge/forums.yaml describes the forums; this says which one is
    open now. At most one open edition per forum (enforced by storage.forum_editions)."""

    __tablename__ = "forum_editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forum_id: Mapped[str] = mapped_column(String(32), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(Text)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ForumInterest(Base):
    """A person who asked to be told when a forum's registration opens (their consent: they sent
    the request). Shown in MES DONNEES, erased with the person; removed once they are told."""

    __tablename__ = "forum_interest"
    __table_args__ = (UniqueConstraint("contact_id", "forum_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    forum_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- back office (issue 15) ---


class StaffAccount(Base):
    """A ministry staff member who signs in to the back office (and may use the CLI as them).

    `telegram_user_id` links the account to the same person's Telegram staff commands, so that
    one person is one actor in the audit log whatever the face they used.
    """

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(8))  # admin | agent
    password_hash: Mapped[str] = mapped_column(String(200))
    telegram_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A signed-in browser (purpose "session") or the first run's one-time setup link ("setup").

    Only a SHA-256 of the cookie's token is kept: a copy of the database opens no session.
    Deleting the row signs the browser out (revocation).
    """

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(8), default="session")
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The overview's aggregates read these indexes rather than the tables (benchmarks/dashboard.py).
Index("ix_messages_created_direction", Message.created_at, Message.direction)
# People by channel, language and country in one index-only scan (the staff flag first: the
# staff group and the simulator are not people).
Index(
    "ix_contacts_profile", Contact.staff_chat, Contact.channel, Contact.language, Contact.country
)
Index("ix_tickets_status_created", Ticket.status, Ticket.created_at)
# Most asked entries and recent cost-limit hits: partial indexes holding only the answered
# replies, and only the messages with an error code, so a month of either is a short range.
Index(
    "ix_messages_answered",
    Message.created_at,
    Message.entry_id,
    sqlite_where=text("entry_id IS NOT NULL"),
    postgresql_where=text("entry_id IS NOT NULL"),
)
Index(
    "ix_messages_errors",
    Message.created_at,
    sqlite_where=text("error_code IS NOT NULL"),
    postgresql_where=text("error_code IS NOT NULL"),
)
Index("ix_knowledge_gaps_count", KnowledgeGap.count)
# --- polls (issue 17) ---------------------------------------------------------------------------


class PollRecord(Base):
    """A consultation created from a poll file; `definition` is the checked file's content."""

    __tablename__ = "polls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # the French title, for lists
    definition: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # draft | sent | closed
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PollSend(Base):
    """One `poll send`: to which segment, when, how many people were invited, by whom."""

    __tablename__ = "poll_sends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[str] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    segment: Mapped[str] = mapped_column(String(500))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PollInvitation(Base):
    """A person invited to a poll (`invited`, counts towards the weekly limit) or who joined it
    with SONDAGE (`joined`). One per person and poll."""

    __tablename__ = "poll_invitations"
    __table_args__ = (
        UniqueConstraint("poll_id", "contact_id", name="uq_poll_invitations_person"),
        Index("ix_poll_invitations_contact_sent", "contact_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[str] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    send_id: Mapped[int | None] = mapped_column(ForeignKey("poll_sends.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))  # invited | joined
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollAnswer(Base):
    """One person's answer to one question: an option's value, or free text. Channel, language
    and country are those of the person when they answered, for results by group."""

    __tablename__ = "poll_answers"
    __table_args__ = (
        UniqueConstraint("poll_id", "question_id", "contact_id", name="uq_poll_answers_once"),
        Index("ix_poll_answers_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[str] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(Text)
    free_text: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
