"""Polls benchmark: answers stored per second, through the whole conversation.

    python -m benchmarks.polls [--people 1000] [--database-url URL]

1. PEOPLE contacts (half SMS, half Telegram; French and English; five countries) are invited to
   knowledge/polls/invest_sector.yaml: invitations queued a second (one invitation row and one
   outbox row each, in keyset pages, as `poll send` does).
2. The dispatcher sends the invitations (to senders that only say "sent"; its speed is
   benchmarks/broadcast.py's), then every person answers the first question: half with its
   number ("2", which the invitation just received gives its meaning), half with a misspelt
   word ("comerce"). Each answer is one
   conversation turn (Inbound -> router -> handler -> rendered reply, one transaction):
   **answers stored a second**.
3. The results, by country: milliseconds for one tally.

Prints figures; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import insert, select

from bot.channels.base import SendResult
from bot.channels.render import render_for_sms
from bot.channels.telegram_render import render_telegram
from bot.conversation import Conversation
from bot.dispatcher import Dispatcher, DispatcherConfig
from handlers import poll_sending
from handlers.context import HandlerConfig
from handlers.vocabulary import Inbound
from knowledge.bundle import Knowledge
from knowledge.polls import POLLS_DIR, load
from storage import poll_results as results_store
from storage import polls as store
from storage.audience import Audience
from storage.db import Database
from storage.models import Contact, utcnow

COUNTRIES = ("FR", "CI", "GA", "ML", "SN")


class NullSender:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, address: str, text: str, options: list | None = None) -> SendResult:
        return SendResult(ok=True, provider_id=address)


async def main(people: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(url or f"sqlite+aiosqlite:///{Path(tmp) / 'polls.db'}")
        await db.upgrade()
        knowledge = Knowledge.load()
        poll = load(POLLS_DIR / "invest_sector.yaml")
        now = utcnow()
        async with db.transaction() as session:
            await session.execute(
                insert(Contact),
                [
                    {
                        "address": f"tel:+2237{n:07d}" if n % 2 else f"telegram:{100000 + n}",
                        "channel": "sms" if n % 2 else "telegram",
                        "language": "en" if n % 3 == 0 else "fr",
                        "country": COUNTRIES[n % len(COUNTRIES)],
                        "opted_out": False,
                        "unreachable": False,
                        "subscribed": False,
                        "awareness_offered": True,
                        "awareness_next": 1,
                        "consent": "self",
                        "created_at": now,
                    }
                    for n in range(people)
                ],
            )
            await store.create(
                session,
                poll.to_data(),
                opens_at=None,
                closes_at=None,
                actor="benchmark",
                now=now,
            )
        started = time.perf_counter()
        async with db.transaction() as session:
            record = await store.get(session, poll.id)
            sent = await poll_sending.send(
                session,
                knowledge.locales,
                record,
                poll,
                Audience(),
                send_at=now,
                interval=timedelta(days=7),
                actor="benchmark",
                now=now,
            )
            invited = sent.recipients
        queued = time.perf_counter() - started
        # The dispatcher sends them to senders that only say "sent" (its own speed is
        # benchmarks/broadcast.py's); the message log then shows each invitation as received.
        senders = {"sms": NullSender("sms"), "telegram": NullSender("telegram")}
        await Dispatcher(
            db, senders, DispatcherConfig(rates={}, worker_id="bench")
        ).run_until_idle()
        async with db.transaction() as session:
            addresses = [
                (address, channel)
                for address, channel in (
                    await session.execute(
                        select(Contact.address, Contact.channel).order_by(Contact.id)
                    )
                ).all()
            ]
        conversation = Conversation(db, knowledge, HandlerConfig())
        sms = partial(render_for_sms, max_segments=2)
        started, cpu = time.perf_counter(), time.process_time()
        for n, (address, channel) in enumerate(addresses):
            text = "2" if n % 2 else "comerce"
            inbound = Inbound(channel, address, text)
            await conversation.handle(inbound, sms if channel == "sms" else render_telegram)
        answering = time.perf_counter() - started
        cpu = time.process_time() - cpu
        started = time.perf_counter()
        async with db.transaction() as session:
            record = await store.get(session, poll.id)
            found = await results_store.results(session, record, by="country")
        tally = time.perf_counter() - started
        await db.dispose()
    sector = found["questions"][0]
    trade = next(o for o in sector["options"] if o["value"] == "trade")
    engine = "PostgreSQL" if url and url.startswith("postgresql") else "SQLite"
    print(f"engine: {engine}, people: {people}")
    print(f"invitations queued: {invited} in {queued:.2f} s = {invited / queued:,.0f}/s")
    print(
        f"answers stored (one conversation turn each): {sector['answers']} in {answering:.2f} s"
        f" = {sector['answers'] / answering:,.0f}/s"
    )
    print(f"  CPU of this process: {cpu * 1000 / sector['answers']:.2f} ms an answer")
    print(f"answers counted as 'trade': {trade['count']} of {sector['answers']}")
    print(f"results by country: {tally * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    os.environ.setdefault("FAQ_SEMANTIC", "false")
    asyncio.run(main(args.people, args.database_url))
