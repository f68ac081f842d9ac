"""Polls in tests, set up as staff and the dispatcher do it: the shipped example poll created,
sent to an audience through the outbox, and dispatched to providers that record what they were
given (the transport seam). The poll tests and the staff's Telegram poll commands share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.channels.base import SendResult
from bot.dispatcher import Dispatcher, DispatcherConfig
from bot.quiet_hours import QuietHours
from handlers import poll_sending
from knowledge.bundle import Knowledge
from knowledge.polls import POLLS_DIR, Poll, load
from storage import poll_answers as answers_store
from storage import poll_results as results_store
from storage import polls as store
from storage.audience import Audience
from storage.db import Database
from storage.models import Contact
from tests.chat import FakeClock
from tests.staff.people import add_people

WEEK = timedelta(days=7)
SMS_FR, SMS_EN = "tel:+22376000001", "tel:+33612345678"
TG_FR, TG_EN = "telegram:5001", "telegram:5002"
ACTOR = "cli:test"


class Provider:
    """Records what the dispatcher sends on one channel (the transport seam)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: dict[str, list[str]] = {}
        self.buttons: dict[str, list[list[str]]] = {}

    async def send(self, address: str, text: str, options: list | None = None) -> SendResult:
        self.sent.setdefault(address, []).append(text)
        if options:
            self.buttons[address] = options
        return SendResult(ok=True, provider_id=f"{self.channel}-{len(self.sent)}")


def invest() -> Poll:
    """The shipped example poll (knowledge/polls/invest_sector.yaml)."""
    return load(POLLS_DIR / "invest_sector.yaml")


async def mixed_audience(db: Database) -> None:
    """Four people: SMS and Telegram, French and English, in Mali, France and Côte d'Ivoire."""
    await add_people(
        db,
        {"address": SMS_FR, "channel": "sms", "language": "fr", "country": "ML"},
        {"address": SMS_EN, "channel": "sms", "language": "en", "country": "FR"},
        {"address": TG_FR, "channel": "telegram", "language": "fr", "country": "FR"},
        {"address": TG_EN, "channel": "telegram", "language": "en", "country": "CI"},
    )


@dataclass
class Polls:
    """One test's polls: its database, knowledge and clock, and the poll it is about."""

    db: Database
    knowledge: Knowledge
    clock: FakeClock
    poll: Poll

    def another(self, poll_id: str, **changes: object) -> Poll:
        """The same poll under another id (a second consultation), with `changes`."""
        return Poll.from_data({**self.poll.to_data(), "id": poll_id, **changes})

    async def create(self, poll: Poll | None = None) -> Poll:
        poll = poll or self.poll
        async with self.db.transaction() as session:
            await store.create(
                session,
                poll.to_data(),
                opens_at=poll.opens,
                closes_at=poll.closes,
                actor=ACTOR,
                now=self.clock(),
            )
        return poll

    async def send(
        self,
        poll: Poll | None = None,
        audience: Audience | None = None,
        *,
        at: datetime | None = None,
    ) -> int:
        """Invite `audience` (everyone) through the outbox, as `poll send` does; how many."""
        poll = poll or self.poll
        async with self.db.transaction() as session:
            record = await store.get(session, poll.id)
            assert record is not None
            sent = await poll_sending.send(
                session,
                self.knowledge.locales,
                record,
                poll,
                audience or Audience(),
                send_at=at or self.clock(),
                interval=WEEK,
                actor=ACTOR,
                now=self.clock(),
            )
            return sent.recipients

    async def dispatch(
        self,
        providers: dict[str, Provider] | None = None,
        quiet: QuietHours | None = None,
    ) -> dict[str, Provider]:
        """Send what is due in the outbox to recording providers (given, or new ones)."""
        providers = providers or {name: Provider(name) for name in ("sms", "telegram")}
        config = DispatcherConfig(rates={}, worker_id="t", quiet_hours=quiet)
        await Dispatcher(self.db, providers, config, clock=self.clock).run_until_idle()
        return providers

    async def close(self, poll: Poll | None = None) -> None:
        async with self.db.transaction() as session:
            await store.close(session, (poll or self.poll).id, ACTOR, self.clock())

    async def results(self, poll: Poll | None = None, **kwargs: object) -> dict:
        """`storage.poll_results.results`, as the CLI and the back office call it."""
        async with self.db.transaction() as session:
            record = await store.get(session, (poll or self.poll).id)
            assert record is not None
            return await results_store.results(session, record, **kwargs)  # type: ignore[arg-type]

    async def count(self, model: type, *where: object) -> int:
        """Rows of `model` (where `where` holds)."""
        async with self.db.transaction() as session:
            query = select(func.count()).select_from(model)
            return await session.scalar(query.where(*where) if where else query) or 0

    async def answer(self, address: str, question: str, value: str, free: bool = False) -> None:
        """A person's answer written directly (the setting of a test about what staff see)."""
        async with self.db.transaction() as session:
            contact = await session.scalar(select(Contact).where(Contact.address == address))
            assert contact is not None
            await answers_store.save_answer(
                session, self.poll.id, question, contact, value, free_text=free, now=self.clock()
            )
