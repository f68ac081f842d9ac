"""Who is acting, for the audit log: the staff account named by `--as EMAIL` (or the
`DIASPORA_STAFF` environment variable), so that the log tells staff apart; the server's login
(`cli:<user>`) only while no staff account exists yet (a fresh install, before `staff add`).
"""

from __future__ import annotations

import getpass
import os

from sqlalchemy.ext.asyncio import AsyncSession

from storage import staff_accounts

ENV = "DIASPORA_STAFF"
_chosen: str | None = None  # from --as, set once by bot.cli.main


class ActorError(Exception):
    """The command needs a staff account it was not given (the text says what to do)."""


def choose(email: str | None) -> None:
    global _chosen
    _chosen = email


def login_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


async def cli_actor(session: AsyncSession, *, admin: bool = False) -> str:
    """The audit actor of a staff action from the command line, with the account's rights
    checked the same way as on the web (`admin`: broadcasts, imports, exports, staff)."""
    email = _chosen or os.environ.get(ENV, "").strip()
    if not email:
        if await staff_accounts.count(session) == 0:
            return login_actor()
        raise ActorError(f"say which staff account acts: --as EMAIL, or {ENV}=EMAIL")
    account = await staff_accounts.by_email(session, email)
    if account is None:
        raise ActorError(f"no staff account {email} (diaspora-bot staff list)")
    if admin and account.role != "admin":
        raise ActorError(f"{account.email} is an agent; this needs an admin account")
    return staff_accounts.actor(account)
