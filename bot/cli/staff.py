"""`diaspora-bot staff add|list|remove|password`: the back office's accounts.

Passwords are typed twice on a terminal (never on the command line, where `ps` and the shell's
history would keep them), or read as one line from standard input with `--password-stdin`.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli.actor import cli_actor
from bot.cli.table import table
from bot.services import Services
from storage import staff_accounts
from storage.models import utcnow

PROG = "diaspora-bot staff"


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("staff", help="back-office accounts: add, list, remove, password")
    actions = parser.add_subparsers(dest="action", required=True)
    adding = actions.add_parser("add", help="a new staff account")
    adding.add_argument("email")
    adding.add_argument("--role", choices=staff_accounts.ROLES, required=True)
    adding.add_argument("--telegram-id", help="the person's Telegram user id (one actor)")
    adding.add_argument("--password-stdin", action="store_true", help="read one line from stdin")
    adding.set_defaults(run=_add)
    listing = actions.add_parser("list", help="every staff account")
    listing.set_defaults(run=_list)
    removing = actions.add_parser("remove", help="remove an account (signs it out)")
    removing.add_argument("email")
    removing.set_defaults(run=_remove)
    password = actions.add_parser("password", help="set a new password (signs out everywhere)")
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true", help="read one line from stdin")
    password.set_defaults(run=_password)


class _NoPassword(Exception):
    pass


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _NoPassword("no terminal to type the password on: use --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise _NoPassword("the two passwords differ")
    return first


def _fail(action: str, message: str) -> int:
    print(f"{PROG} {action}: {message}", file=sys.stderr)
    return 2


async def _add(args: argparse.Namespace) -> int:
    try:
        password = read_password(args.password_stdin)
    except _NoPassword as error:
        return _fail("add", str(error))
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            by = await cli_actor(session, admin=True)
            account = await staff_accounts.add(
                session, args.email, args.role, password, by, utcnow(), args.telegram_id
            )
            email = account.email
    except staff_accounts.AccountError as error:
        return _fail("add", str(error))
    finally:
        await services.close()
    print(f"{email} added ({args.role})")
    return 0


async def _list(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            found = await staff_accounts.listing(session)
            now = utcnow()
            rows = [
                (
                    a.email,
                    a.role,
                    a.telegram_user_id or "-",
                    a.last_login_at.strftime("%Y-%m-%d %H:%M") if a.last_login_at else "-",
                    "locked" if a.locked_until and a.locked_until > now else "-",
                )
                for a in found
            ]
    finally:
        await services.close()
    if not rows:
        print("no staff account: add one with `diaspora-bot staff add EMAIL --role admin`")
        return 0
    print(table(("email", "role", "telegram", "last sign-in (GMT)", "locked"), rows))
    return 0


async def _remove(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            by = await cli_actor(session, admin=True)
            removed = await staff_accounts.remove(session, args.email, by, utcnow())
    finally:
        await services.close()
    if not removed:
        return _fail("remove", f"no account {args.email}")
    print(f"{args.email} removed")
    return 0


async def _password(args: argparse.Namespace) -> int:
    try:
        password = read_password(args.password_stdin)
    except _NoPassword as error:
        return _fail("password", str(error))
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            account = await staff_accounts.by_email(session, args.email)
            if account is None:
                return _fail("password", f"no account {args.email}")
            by = await cli_actor(session, admin=True)
            await staff_accounts.set_password(session, account, password, by, utcnow())
    except staff_accounts.AccountError as error:
        return _fail("password", str(error))
    finally:
        await services.close()
    print(f"password of {args.email} changed; its sessions are closed")
    return 0
