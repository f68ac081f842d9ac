"""`diaspora-bot forum open|close|list`: staff open a forum's edition for registration.

forums.yaml describes the forums; an edition's dates, place and capacity are confirmed by staff
here. Opening is audited and tells each person who asked to be told, once, through the outbox.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.cli.actor import cli_actor
from bot.services import Services
from handlers.forum_editions import open_and_notify
from storage import forum_editions, registrations
from storage.models import utcnow


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("forum", help="open and close forum editions for registration")
    actions = parser.add_subparsers(dest="action", required=True)
    opening = actions.add_parser("open", help="open an edition with its confirmed details")
    opening.add_argument("forum", metavar="ID", help="a forum id from knowledge/forums.yaml")
    opening.add_argument("--starts", type=_day, required=True, metavar="YYYY-MM-DD")
    opening.add_argument("--ends", type=_day, required=True, metavar="YYYY-MM-DD")
    opening.add_argument("--place", required=True, metavar="TEXT")
    opening.add_argument("--capacity", type=int, required=True, metavar="N")
    opening.set_defaults(run=_open)
    closing = actions.add_parser("close", help="close the open edition's registration")
    closing.add_argument("forum", metavar="ID")
    closing.set_defaults(run=_close)
    listing = actions.add_parser("list", help="every forum and its editions")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)


async def _open(args: argparse.Namespace) -> int:
    services = await Services.start()
    try:
        async with services.db.transaction() as session:
            edition, told = await open_and_notify(
                session,
                services.knowledge,
                args.forum,
                starts_on=args.starts,
                ends_on=args.ends,
                place=args.place,
                capacity=args.capacity,
                actor=await cli_actor(session, admin=True),
                now=utcnow(),
            )
    except forum_editions.EditionError as exc:
        print(f"forum open: {exc}", file=sys.stderr)
        return 1
    finally:
        await services.close()
    print(
        f"{args.forum}: edition {edition.id} open for registration, "
        f"{edition.starts_on} to {edition.ends_on}, {edition.place}, {edition.capacity} places; "
        f"{told} person(s) who asked will be told"
    )
    return 0


async def _close(args: argparse.Namespace) -> int:
    services = await Services.start()
    try:
        async with services.db.transaction() as session:
            edition = await forum_editions.close_edition(
                session, args.forum, actor=await cli_actor(session, admin=True), now=utcnow()
            )
    except forum_editions.EditionError as exc:
        print(f"forum close: {exc}", file=sys.stderr)
        return 1
    finally:
        await services.close()
    print(f"{args.forum}: edition {edition.id} closed for registration")
    return 0


async def _list(args: argparse.Namespace) -> int:
    services = await Services.start()
    try:
        async with services.db.transaction() as session:
            editions = await forum_editions.all_editions(session)
            waiting = await forum_editions.waiting_counts(session)
            registered = await registrations.counts_by_edition(session)
    finally:
        await services.close()
    forums = services.knowledge.forums
    records = []
    for forum_id in forums.forums if forums else ():
        mine = [e for e in editions if e.forum_id == forum_id]
        records.append(
            {
                "id": forum_id,
                "open": any(e.status == forum_editions.OPEN for e in mine),
                "waiting": waiting.get(forum_id, 0),  # asked to be told when it opens
                "editions": [
                    {
                        "edition": e.id,
                        "status": e.status,
                        "starts_on": e.starts_on.isoformat(),
                        "ends_on": e.ends_on.isoformat(),
                        "place": e.place,
                        "capacity": e.capacity,
                        # this edition's own registrations: a person may be in several editions
                        "confirmed": registered.get(e.id, {}).get("confirmed", 0),
                        "waitlisted": registered.get(e.id, {}).get("waitlisted", 0),
                        "cancelled": registered.get(e.id, {}).get("cancelled", 0),
                        "opened_by": e.opened_by,
                        "opened_at": e.opened_at.isoformat(timespec="seconds"),
                        "closed_at": e.closed_at.isoformat(timespec="seconds")
                        if e.closed_at
                        else None,
                    }
                    for e in mine
                ],
            }
        )
    if args.json:
        print(json.dumps(records, ensure_ascii=False))
        return 0
    for record in records:
        state = "open" if record["open"] else "closed (no edition open)"
        print(f"{record['id']}: {state}; {record['waiting']} waiting to be told of an opening")
        for e in record["editions"]:
            print(
                f"  edition {e['edition']} {e['status']}: {e['starts_on']} to {e['ends_on']}, "
                f"{e['place']}, {e['capacity']} places, {e['confirmed']} confirmed, "
                f"{e['waitlisted']} waitlisted (opened by {e['opened_by']})"
            )
    return 0
