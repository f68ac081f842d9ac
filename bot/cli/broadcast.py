"""`diaspora-bot broadcast send|list|cancel`: announcements from the command line.

Times are Bamako time (GMT) when written `YYYY-MM-DD HH:MM`; an ISO time with an offset
(`2026-12-01T09:00+01:00`) is taken as given. Sending is the scheduler's, through the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from bot.channels import sms_preview
from bot.cli.actor import cli_actor
from bot.cli.table import table
from bot.services import Services
from handlers import announcements
from handlers.announcements import Preview, WhenError
from handlers.segments import SegmentError, parse
from storage import broadcasts
from storage.models import utcnow

PROG = "diaspora-bot broadcast"


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("broadcast", help="send, list and cancel announcements")
    actions = parser.add_subparsers(dest="action", required=True)
    send = actions.add_parser("send", help="schedule an announcement (after a preview)")
    send.add_argument("--text-fr", default="", help="the French text")
    send.add_argument("--text-en", default="", help="the English text (else French is sent)")
    add_audience_arguments(send)
    send.set_defaults(run=_send)
    listing = actions.add_parser("list", help="announcements with their progress")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(run=_list)
    cancel = actions.add_parser(
        "cancel", help="cancel a scheduled or queued announcement (unsent messages withdrawn)"
    )
    cancel.add_argument("id", type=int)
    cancel.set_defaults(run=_cancel)


def add_audience_arguments(send: argparse.ArgumentParser) -> None:
    """Who and when, for everything sent to a segment (announcements, poll invitations)."""
    send.add_argument(
        "--segment",
        required=True,
        help="all, or terms joined by commas that must all hold: channel:sms|telegram|console, "
        "lang:fr|en, country:<ISO code>, subscribers, forum:<id>",
    )
    send.add_argument(
        "--at", help="when: YYYY-MM-DD HH:MM in Bamako time (GMT), or ISO with offset; else now"
    )
    send.add_argument("--yes", action="store_true", help="do not ask for confirmation")


async def refused(
    args: argparse.Namespace, question: str, fail: Callable[[str], int], nothing: str
) -> int | None:
    """None once the send is confirmed (--yes, or yes typed on a terminal); else the command's
    exit code, having said why (a pipe cannot confirm: it must say --yes)."""
    if args.yes:
        return None
    if not sys.stdin.isatty():
        return fail("not confirmed: stdin is not a terminal, add --yes to send")
    answer = await asyncio.to_thread(input, question)
    if answer.strip().lower() in ("y", "yes", "o", "oui"):
        return None
    print(nothing)
    return 1


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2


def show_preview(shown: Preview, text_fr: str | None, text_en: str | None) -> None:
    for lang, text, other in (("fr", text_fr, "en"), ("en", text_en, "fr")):
        shown_text = text if text else f"(none: {lang} speakers receive the {other} text)"
        print(f"text {lang}: {shown_text}")
    print(f"recipients: {shown.total} (opted-out and unreachable people left out)")
    for (lang, channel), n in sorted(shown.by_language_channel.items()):
        print(f"  {lang} {channel}: {n}")
    for cost in shown.sms:
        print(
            f"SMS {cost.language}: {cost.encoding}, {cost.segments} segment(s) a message "
            f"x {cost.recipients} = {cost.total_segments} segments"
        )
    if shown.sms:
        print(f"SMS segments in all: {shown.sms_segments}")


async def _send(args: argparse.Namespace) -> int:
    text_fr, text_en = args.text_fr.strip() or None, args.text_en.strip() or None
    if not (text_fr or text_en):
        return _fail("give --text-fr, --text-en or both")
    now = utcnow()
    try:
        when = announcements.parse_when(args.at or "now", now)
    except WhenError as error:
        return _fail(f"--at {args.at!r}: {error}")
    services = await Services.start(answers=False)
    try:
        try:
            audience = parse(args.segment, languages=services.knowledge.locales.languages)
        except SegmentError as error:
            return _fail(f"--segment: {error}")
        async with services.db.transaction() as session:
            shown = await announcements.preview(session, text_fr, text_en, audience)
            by_provider = await sms_preview.sms_by_provider(
                session, audience, text_fr, text_en, services.settings
            )
        print(f"segment: {audience.canonical()}")
        print(f"send at: {'now' if when <= now else announcements.local(when) + ' (Bamako)'}")
        show_preview(shown, text_fr, text_en)
        sms_preview.show(by_provider)
        question = f"Schedule this announcement for {shown.total} people? [y/N] "
        if (code := await refused(args, question, _fail, "Nothing scheduled.")) is not None:
            return code
        async with services.db.transaction() as session:
            created, shown = await announcements.create(
                session,
                text_fr=text_fr,
                text_en=text_en,
                audience=audience,
                send_at=when,
                actor=await cli_actor(session, admin=True),
                now=utcnow(),
            )
        print(
            f"broadcast {created.id} scheduled for {announcements.local(created.send_at)} "
            f"(Bamako), {shown.total} recipients"
        )
        return 0
    finally:
        await services.close()


async def _list(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            found = await broadcasts.listing(session, args.limit)
    finally:
        await services.close()
    if not found:
        print("no broadcasts")
        return 0
    header = ("id", "status", "send at (Bamako)", "audience", "recipients", "queued", "sent",
              "delivered", "failed", "by")  # fmt: skip
    rows = [
        (b.id, b.status, announcements.local(b.send_at), b.segment, b.recipients, p.queued,
         p.sent, p.delivered, p.failed, b.created_by)
        for b, p in found
    ]  # fmt: skip
    print(table(header, rows))
    return 0


async def _cancel(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            broadcast, why = await broadcasts.cancel(
                session, args.id, await cli_actor(session, admin=True), utcnow()
            )
            status = broadcast.status if broadcast else None
    finally:
        await services.close()
    if why == "not_found":
        print(f"{PROG} cancel: no broadcast {args.id}", file=sys.stderr)
        return 1
    if why is not None:
        print(
            f"{PROG} cancel: broadcast {args.id} is {status}: nothing left to cancel",
            file=sys.stderr,
        )
        return 1
    print(f"broadcast {args.id} cancelled")
    return 0
