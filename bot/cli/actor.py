"""Who is acting, for the audit log: the operating-system user at this terminal."""

from __future__ import annotations

import getpass


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"
