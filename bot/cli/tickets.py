"""`diaspora-bot tickets list|show|reply`: people's questions to staff, from the command line.

The same functions as the back office's inbox and Telegram's /tickets and /reply: the answer
reaches the person on their channel through the outbox, and the audit log names the staff account.
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import select

from bot.cli.actor import cli_actor
from bot.cli.table import table
from bot.services import Services
from handlers import announcements, consultations
from knowledge.addresses import mask
from storage import tickets
from storage.models import Contact, Message, utcnow

PROG = "diaspora-bot tickets"


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tickets", help="people's questions to staff: list, show, reply")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="open questions, urgent and newest first")
    listing.add_argument("--all", action="store_true", help="answered ones too")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(run=_list)
    show = actions.add_parser("show", help="one question and the person's recent messages")
    show.add_argument("id", type=int)
    show.set_defaults(run=_show)
    reply = actions.add_parser("reply", help="answer a question (reaches the person)")
    reply.add_argument("id", type=int)
    reply.add_argument("text")
    reply.set_defaults(run=_reply)


async def _list(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            rows = await tickets.inbox(session, None if args.all else "open", args.limit)
    finally:
        await services.close()
    if args.json:
        for ticket, person in rows:
            record = {
                "id": ticket.id,
                "status": ticket.status,
                "created_at": ticket.created_at.isoformat(),
                "channel": person.channel,
                "person": mask(person.address),
                "language": person.language,
                "question": ticket.question,
                "answered_by": ticket.answered_by,
            }
            print(json.dumps(record, ensure_ascii=False))
        return 0
    if not rows:
        print("no open question" if not args.all else "no question")
        return 0
    print(
        table(
            ("id", "status", "received (Bamako)", "person", "lang", "question"),
            [
                (
                    t.id,
                    t.status,
                    announcements.local(t.created_at),
                    consultations.describe_person(p),
                    p.language,
                    t.question[:60],
                )
                for t, p in rows
            ],
        )  # fmt: skip
    )
    return 0


async def _show(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            ticket = await tickets.get(session, args.id)
            if ticket is None:
                print(f"{PROG} show: no question {args.id}", file=sys.stderr)
                return 1
            person = await session.get(Contact, ticket.contact_id)
            recent = list(
                await session.scalars(
                    select(Message)
                    .where(Message.contact_id == ticket.contact_id)
                    .order_by(Message.created_at.desc(), Message.id.desc())
                    .limit(10)
                )
            )[::-1]
    finally:
        await services.close()
    assert person is not None
    who = consultations.describe_person(person)
    when = announcements.local(ticket.created_at)
    print(f"question {ticket.id} ({ticket.status}) from {who}, {person.language}, {when} (Bamako)")
    print(ticket.question)
    if ticket.answer:
        print(f"answer by {ticket.answered_by}: {ticket.answer}")
    print("recent messages:")
    for message in recent:
        arrow = "<" if message.direction == "in" else ">"
        print(f"  {announcements.local(message.created_at)} {arrow} {message.text}")
    return 0


async def _reply(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    locales = services.knowledge.locales
    try:
        async with services.db.transaction() as session:
            ticket = await tickets.get(session, args.id)
            if ticket is None:
                print(f"{PROG} reply: no question {args.id}", file=sys.stderr)
                return 1
            actor = await cli_actor(session)
            now = utcnow()
            why = await consultations.send_answer(session, locales, ticket, args.text, actor, now)
            if why is None:
                await consultations.post_to_staff(
                    session, locales, services.settings.handler_config(), ticket,
                    "admin.group_answered", "answered", now, by=actor,
                )  # fmt: skip
    finally:
        await services.close()
    if why == "already_answered":
        print(f"{PROG} reply: question {args.id} is already answered", file=sys.stderr)
        return 1
    if why == "empty":
        print(f"{PROG} reply: the answer is empty", file=sys.stderr)
        return 2
    print(f"answer to question {args.id} queued: it reaches the person on their channel")
    return 0
