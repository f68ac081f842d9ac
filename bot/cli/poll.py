"""`diaspora-bot poll check|create|list|send|close|results|export`: consultations of the diaspora.

A poll is a YAML file (`knowledge/polls/invest_sector.yaml` is an example, docs/polls.md the
guide). Sending uses the broadcasts' audiences and preview, through the outbox. Whoever runs these
commands on the server is an admin: results include free-text answers, and `export` (every
individual answer) is recorded in the audit log.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.actor import cli_actor
from bot.cli.broadcast import add_audience_arguments, refused, show_preview
from bot.services import Services
from bot.settings import Settings
from handlers import announcements, poll_sending
from handlers.announcements import WhenError
from handlers.polls import definition
from handlers.segments import SegmentError, parse
from knowledge import gsm7
from knowledge.locales import Locales
from knowledge.polls import LANGUAGES, PollError, load, sms_as_sent
from storage import poll_results as results_store
from storage import polls as store
from storage.models import utcnow

PROG = "diaspora-bot poll"
FORMATS = ("table", "csv", "json")


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("poll", help="consult the diaspora: check, create, send, close polls")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate a poll file")
    check.add_argument("file", type=Path)
    check.set_defaults(run=_check)
    create = actions.add_parser("create", help="store a poll file (prints the poll id)")
    create.add_argument("file", type=Path)
    create.set_defaults(run=_create)
    listing = actions.add_parser("list", help="polls with their status and respondents")
    listing.set_defaults(run=_list)
    send = actions.add_parser("send", help="invite a segment (after a preview)")
    send.add_argument("id")
    add_audience_arguments(send)
    send.set_defaults(run=_send)
    close = actions.add_parser("close", help="stop taking answers")
    close.add_argument("id")
    close.set_defaults(run=_close)
    results = actions.add_parser("results", help="answers counted, overall or by group")
    results.add_argument("id")
    results.add_argument("--by", choices=results_store.GROUPS)
    results.add_argument("--format", choices=FORMATS, default="table")
    results.set_defaults(run=_results)
    export = actions.add_parser(
        "export", help="every individual answer as CSV (admins; recorded in the audit log)"
    )
    export.add_argument("id")
    export.add_argument("--output", type=Path, help="a file (default: stdout)")
    export.set_defaults(run=_export)


def _fail(message: str, code: int = 2) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def _problems(file: Path, error: PollError) -> int:
    print(f"{file}: {len(error.problems)} problem(s)", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


async def _check(args: argparse.Namespace) -> int:
    # No database: a file is checked anywhere, before anything is stored.
    locales, budget = Locales.load(), Settings().sms_max_segments
    try:
        poll = load(args.file, locales, budget)
    except PollError as error:
        return _problems(args.file, error)
    print(f"{args.file}: ok, poll {poll.id}, {len(poll.questions)} question(s)")
    _show_sms(poll, locales, budget)
    return 0


def _show_sms(poll: Any, locales: Locales, budget: int) -> None:
    for n, question in enumerate(poll.questions):
        for lang in LANGUAGES:
            info = gsm7.segments(sms_as_sent(locales, poll, n, lang))
            around = (
                "with the invitation" if n == 0 else "after the previous answer's confirmation"
            )
            print(
                f"  {question.id} ({lang}): {info.encoding}, {info.segments} of {budget} "
                f"SMS segment(s) {around}"
            )


async def _create(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        try:
            poll = load(args.file, services.knowledge.locales, services.settings.sms_max_segments)
        except PollError as error:
            return _problems(args.file, error)
        try:
            async with services.db.transaction() as session:
                await store.create(
                    session,
                    poll.to_data(),
                    opens_at=poll.opens,
                    closes_at=poll.closes,
                    actor=await cli_actor(session, admin=True),
                    now=utcnow(),
                )
        except store.PollStateError as error:
            return _fail(str(error), 1)
    finally:
        await services.close()
    print(poll.id)
    return 0


async def _list(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            found = await store.listing(session)
    finally:
        await services.close()
    if not found:
        print("no polls")
    for row in found:
        record = row.record
        opens = announcements.local(record.opens_at) if record.opens_at else "-"
        closes = announcements.local(record.closes_at) if record.closes_at else "-"
        print(
            f"{record.id}\t{record.status}\t{record.title}\topens {opens}\tcloses {closes}\t"
            f"invited {row.invited}\trespondents {row.respondents}"
        )
    return 0


async def _send(args: argparse.Namespace) -> int:
    now = utcnow()
    try:
        when = announcements.parse_when(args.at or "now", now)
    except WhenError as error:
        return _fail(f"--at {args.at!r}: {error}")
    services = await Services.start(answers=False)
    try:
        locales = services.knowledge.locales
        interval = services.settings.poll_invitation_interval
        try:
            audience = parse(args.segment, languages=locales.languages)
        except SegmentError as error:
            return _fail(f"--segment: {error}")
        async with services.db.transaction() as session:
            record = await store.get(session, args.id)
            if record is None:
                return _fail(f"no poll {args.id} (create it first: poll create FILE)", 1)
            if store.is_closed(record, now):
                return _fail(f"poll {args.id} is closed", 1)
            poll = definition(record)
            try:
                when = poll_sending.send_time(poll, now, when if args.at else None)
            except store.PollStateError as error:
                return _fail(str(error), 1)
            shown = await poll_sending.preview(
                session, locales, poll, audience, now=now, interval=interval
            )
            texts = poll_sending.invitations(locales, poll)
        print(f"poll: {poll.id} ({record.status})")
        print(f"segment: {audience.canonical()}")
        print(f"send at: {'now' if when <= now else announcements.local(when) + ' (Bamako)'}")
        days = services.settings.poll_invitation_interval_days
        print(f"left out: people already invited to it, or to any poll in the last {days:g} days")
        show_preview(shown, texts["fr"].sms, texts["en"].sms)
        question = f"Invite {shown.total} people to this poll? [y/N] "
        if (code := await refused(args, question, _fail, "Nothing sent.")) is not None:
            return code
        async with services.db.transaction() as session:
            record = await store.get(session, args.id)
            assert record is not None
            sent = await poll_sending.send(
                session,
                locales,
                record,
                poll,
                audience,
                send_at=when,
                interval=interval,
                actor=await cli_actor(session, admin=True),
                now=utcnow(),
            )
            recipients = sent.recipients
        print(f"poll {poll.id}: {recipients} invitation(s) queued in the outbox")
        return 0
    finally:
        await services.close()


async def _close(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            await store.close(session, args.id, await cli_actor(session, admin=True), utcnow())
    except store.PollStateError as error:
        return _fail(str(error), 1)
    finally:
        await services.close()
    print(f"poll {args.id} closed")
    return 0


async def _results(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            record = await store.get(session, args.id)
            if record is None:
                return _fail(f"no poll {args.id}", 1)
            found = await results_store.results(session, record, by=args.by, free_text=True)
    finally:
        await services.close()
    if args.format == "json":
        print(json.dumps(found, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(results_csv(found, args.by))
    else:
        print(results_table(found, record.title, args.by))
    return 0


def results_table(found: dict[str, Any], title: str, by: str | None) -> str:
    lines = [
        f"poll {found['poll']}: {title}",
        f"invited {found['sent']}, respondents {found['respondents']}, "
        f"response rate {results_store.response_rate(found):g}%",
    ]
    for question in found["questions"]:
        lines.append(f"question {question['id']}: {question['answers']} answer(s)")
        width = max((len(o["value"]) for o in question["options"]), default=0)
        for option in question["options"]:
            bar = "#" * round(option["percent"] / 5)  # a bar chart in the terminal: 5% a mark
            lines.append(
                f"  {option['value']:<{width}}  {option['count']:>6}  {option['percent']:>5.1f}%"
                f"  {bar}"
            )
        for group, tally in question.get("by", {}).items():
            counts = ", ".join(f"{value} {n}" for value, n in tally.items())
            lines.append(f"  {by} {group}: {counts}")
        for text in question.get("free_text", []):
            lines.append(f"  - {text}")
    return "\n".join(lines)


def results_csv(found: dict[str, Any], by: str | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if by is None:
        writer.writerow(["question", "value", "count", "percent"])
        for question in found["questions"]:
            for option in question["options"]:
                writer.writerow(
                    [question["id"], option["value"], option["count"], option["percent"]]
                )
    else:
        writer.writerow(["question", by, "value", "count"])
        for question in found["questions"]:
            for group, tally in question["by"].items():
                for value, n in tally.items():
                    writer.writerow([question["id"], group, value, n])
    return out.getvalue()


async def _export(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            record = await store.get(session, args.id)
            if record is None:
                return _fail(f"no poll {args.id}", 1)
            rows = await results_store.export_answers(
                session, record, actor=await cli_actor(session, admin=True), now=utcnow()
            )
    finally:
        await services.close()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["respondent", "channel", "language", "country", "question", "answer", "answered_at"]
    )
    for row in rows:
        writer.writerow(
            [
                row.respondent,
                row.channel,
                row.language,
                row.country or "",
                row.question,
                row.answer,
                row.answered_at.isoformat(),
            ]
        )
    # UTF-8 with a BOM, as the other exports: Excel then shows the accents.
    data = "\ufeff" + out.getvalue()
    if args.output:
        args.output.write_text(data, encoding="utf-8")
        print(f"{len(rows)} answer(s) written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(data)
    return 0
