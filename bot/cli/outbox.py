"""`diaspora-bot outbox list|resend` for staff, and `diaspora-bot dispatch` (a worker alone).

A message left `unknown` by a crash may or may not have reached the person: staff look at it
(`outbox list --status unknown`) and choose to send it again (`outbox resend ID...`).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import signal

from bot import jobs
from bot.background import Background
from bot.cli.run import channel_services
from bot.services import Services
from knowledge.addresses import mask
from storage import outbox
from storage.models import AuditEntry, utcnow

STATUSES = ("queued", "sending", "sent", "delivered", "failed", "unknown", "cancelled")


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("outbox", help="see queued and unsure messages; resend them")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the latest messages, newest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    resend = actions.add_parser("resend", help="queue unknown (or failed) messages again")
    resend.add_argument("ids", nargs="+", type=int, metavar="ID")
    resend.set_defaults(run=_resend)

    dispatch = sub.add_parser("dispatch", help="run a dispatcher worker alone (no web app)")
    dispatch.add_argument(
        "--until-idle", action="store_true", help="send what is due now, then exit"
    )
    dispatch.set_defaults(run=_dispatch)


async def _list(args: argparse.Namespace) -> int:
    services = await Services.start()
    try:
        async with services.db.transaction() as session:
            counts = await outbox.counts(session)
            items = await outbox.items(session, status=args.status, limit=args.limit)
    finally:
        await services.close()
    records = [
        {
            "id": item.id,
            "status": item.status,
            "channel": item.channel,
            "to": mask(item.address),
            "kind": item.kind,
            "source": item.source,
            "attempts": item.attempts,
            "created_at": item.created_at.isoformat(timespec="seconds"),
            "error": item.error,
        }
        for item in items
    ]
    if args.json:
        print(json.dumps({"counts": counts, "items": records}, ensure_ascii=False))
        return 0
    print("outbox: " + (", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty"))
    for r in records:
        error = f"  ({r['error']})" if r["error"] else ""
        print(
            f"{r['id']:>8}  {r['status']:<9} {r['channel']:<8} {r['to']:<14} {r['kind']:<10} "
            f"tries {r['attempts']}  {r['created_at']}{error}"
        )
    return 0


async def _resend(args: argparse.Namespace) -> int:
    services = await Services.start()
    try:
        async with services.db.transaction() as session:
            outcome = await outbox.resend(session, args.ids, utcnow())
            for item_id, result in outcome.items():
                if result == "queued":
                    session.add(
                        AuditEntry(
                            actor=f"cli:{_user()}",
                            action="outbox.resend",
                            target=f"outbox:{item_id}",
                            details={},
                            at=utcnow(),
                        )
                    )
    finally:
        await services.close()
    for item_id, result in outcome.items():
        print(f"{item_id}: {result}")
    return 0 if all(result == "queued" for result in outcome.values()) else 1


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


async def _dispatch(args: argparse.Namespace) -> int:
    services = await Services.start()
    channels = channel_services(services)
    for channel in channels:
        await _open_sender(channel)
    worker = Background(services, [c.sender for c in channels]).dispatcher
    try:
        if worker is None:
            print("DISPATCHER_ENABLED is false: nothing to do")
            return 1
        if args.until_idle:
            # Broadcasts whose time has come are queued first (the scheduler's job), so that
            # "send what is due now" includes them.
            while await jobs.due_broadcasts(services.db, utcnow()):
                pass
            stats = await worker.run_until_idle()
            print(
                f"sent {stats.sent}, failed {stats.failed}, retrying {stats.retried}, "
                f"waiting for quiet hours to end {stats.deferred}, cancelled {stats.cancelled}, "
                f"unknown {stats.unknown}"
            )
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker.start()
        await stop.wait()
        await worker.stop()
        return 0
    finally:
        for channel in reversed(channels):
            await _close_sender(channel)
        await services.close()


# A dispatch worker only sends: starting the Telegram channel would also poll for updates (or
# re-register the webhook), competing with `diaspora-bot run`. Its sender only needs the bot.
async def _open_sender(channel) -> None:  # noqa: ANN001 - a ChannelService
    bot = getattr(channel.sender, "bot", None)
    if bot is not None:
        await bot.initialize()
    else:
        await channel.start()


async def _close_sender(channel) -> None:  # noqa: ANN001
    bot = getattr(channel.sender, "bot", None)
    if bot is not None:
        await bot.shutdown()
    else:
        await channel.stop()
