"""`diaspora-bot`: the command line. One module per command group, each adding its parser."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import ctrl_c
from bot.cli import (
    ask,
    audit,
    broadcast,
    chat,
    contacts,
    db,
    export,
    forum,
    gaps,
    i18n,
    kb,
    outbox,
    poll,
    run,
    sms,
    staff,
    stats,
    tickets,
)
from bot.cli.actor import ENV, ActorError, choose
from bot.logs import setup as setup_logging
from bot.services import SchemaBehind

COMMANDS = (
    chat,
    ask,
    stats,
    run,
    db,
    kb,
    i18n,
    export,
    broadcast,
    contacts,
    audit,
    gaps,
    outbox,
    sms,
    forum,
    staff,
    tickets,
    poll,
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="diaspora-bot",
        description="Telegram and SMS bot for the Malian diaspora and their families.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add(sub)
    top.add_argument(
        "--as",
        dest="staff_as",
        metavar="EMAIL",
        help=f"the staff account acting (default: ${ENV}); recorded in the audit log",
    )
    _also_after_command(sub)
    return top


def _also_after_command(sub: argparse._SubParsersAction) -> None:
    """`--as EMAIL` is read before or after the command (`broadcast cancel 3 --as a@b.org`)."""
    for command in set(sub.choices.values()):
        command.add_argument(
            "--as",
            dest="staff_as",
            metavar="EMAIL",
            default=argparse.SUPPRESS,
            help="the staff account acting (recorded in the audit log)",
        )
        for action in command._subparsers._group_actions if command._subparsers else ():
            if isinstance(action, argparse._SubParsersAction):
                _also_after_command(action)


def _loop_factory():  # noqa: ANN202
    """uvloop's event loop where it is installed (a dependency on Linux and macOS): the
    service's webhooks cost less CPU each. asyncio's own loop elsewhere (Windows)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "holds_ctrl_c", False):
        ctrl_c.release()  # held by the entry point during the imports (bot.ctrl_c)
    # Interactive commands keep the terminal for the conversation; logs only say what went wrong.
    setup_logging(getattr(args, "log_level", None) or "WARNING")
    choose(args.staff_as)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(args.run(args)) or 0
    except ActorError as error:
        print(f"diaspora-bot: {error}", file=sys.stderr)
        return 2
    except SchemaBehind as error:
        print(f"diaspora-bot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `diaspora-bot chat | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
