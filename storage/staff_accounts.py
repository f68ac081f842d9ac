"""Staff accounts of the back office: passwords (argon2), lock-out, sessions and the setup link.

One implementation for every face: the web sign-in, `diaspora-bot staff ...` and the audit actor
of the CLI (`--as EMAIL`) all come through here. Session and setup tokens are random; only their
SHA-256 is stored, so a copy of the database signs no one in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import StaffAccount, StaffSession

ROLES = ("admin", "agent")
MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
SESSION, SETUP = "session", "setup"
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about an account that cannot be done, in words a staff member reads."""


def actor(account: StaffAccount) -> str:
    """The audit log's name for a staff member, whatever face they used."""
    return f"staff:{account.email}"


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    local, at, domain = email.partition("@")
    if (
        not (local and at and "." in domain)
        or len(email) > 254
        or not email.isprintable()
        or any(c.isspace() for c in email)
    ):
        raise AccountError(f"{raw.strip()[:254]!r} is not an email address")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(StaffAccount)) or 0


async def by_email(session: AsyncSession, email: str) -> StaffAccount | None:
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return await session.scalar(select(StaffAccount).where(StaffAccount.email == email))


async def by_telegram_id(session: AsyncSession, user_id: str) -> StaffAccount | None:
    return await session.scalar(
        select(StaffAccount).where(StaffAccount.telegram_user_id == str(user_id))
    )


async def listing(session: AsyncSession) -> list[StaffAccount]:
    return list(await session.scalars(select(StaffAccount).order_by(StaffAccount.email)))


async def add(
    session: AsyncSession,
    email: str,
    role: str,
    password: str,
    by: str,
    now: datetime,
    telegram_user_id: str | None = None,
) -> StaffAccount:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"a role is {' or '.join(ROLES)}")
    check_password(password)
    if await by_email(session, email) is not None:
        raise AccountError(f"{email} already has an account")
    if telegram_user_id is not None:
        telegram_user_id = telegram_user_id.strip()
        if not telegram_user_id.lstrip("-").isdigit():
            raise AccountError("a Telegram user id is a number")
        if await by_telegram_id(session, telegram_user_id) is not None:
            raise AccountError(f"Telegram user {telegram_user_id} is linked to another account")
    account = StaffAccount(
        email=email,
        role=role,
        password_hash=_hasher.hash(password),
        telegram_user_id=telegram_user_id or None,
        failed_logins=0,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    details = {"role": role, "telegram_linked": bool(telegram_user_id)}
    await audit.record(session, by, "staff.added", actor(account), details, at=now)
    return account


async def remove(session: AsyncSession, email: str, by: str, now: datetime) -> bool:
    account = await by_email(session, email)
    if account is None:
        return False
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == account.id))
    await audit.record(
        session, by, "staff.removed", actor(account), {"role": account.role}, at=now
    )
    await session.delete(account)
    await session.flush()
    return True


async def set_password(
    session: AsyncSession, account: StaffAccount, password: str, by: str, now: datetime
) -> None:
    """A new password signs the account out everywhere and lifts a lock-out."""
    check_password(password)
    account.password_hash = _hasher.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == account.id))
    await audit.record(session, by, "staff.password", actor(account), at=now)


@dataclass(frozen=True)
class SignIn:
    account: StaffAccount | None
    why: str | None = None  # unknown | wrong | locked


async def authenticate(session: AsyncSession, email: str, password: str, now: datetime) -> SignIn:
    """The account if the password is right and the account not locked; else why not.

    Five wrong passwords in a row lock the account for 15 minutes, during which the right
    password is refused too (a guesser learns nothing from it)."""
    account = await by_email(session, email)
    if account is None:
        _hasher.hash(password)  # the same time as a real check: no way to probe emails
        return SignIn(None, "unknown")
    if account.locked_until is not None and account.locked_until > now:
        return SignIn(None, "locked")
    try:
        _hasher.verify(account.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + LOCK_DURATION
            account.failed_logins = 0
            await audit.record(
                session, actor(account), "staff.locked", actor(account),
                {"minutes": int(LOCK_DURATION.total_seconds() // 60)}, at=now,
            )  # fmt: skip
            return SignIn(None, "locked")
        return SignIn(None, "wrong")
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return SignIn(account)


async def open_session(
    session: AsyncSession, account: StaffAccount | None, now: datetime, purpose: str = SESSION
) -> tuple[str, StaffSession]:
    """A new random token (for the cookie or the setup link) and its stored row."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=_hash_token(token),
        purpose=purpose,
        staff_id=account.id if account else None,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    await session.flush()
    return token, row


async def current_session(
    session: AsyncSession, token: str, now: datetime, idle: timedelta
) -> tuple[StaffSession, StaffAccount] | None:
    """The live session of a cookie, touched; None (and the row gone) once idle too long."""
    if not token:
        return None
    row = await session.get(StaffSession, _hash_token(token))
    if row is None or row.purpose != SESSION or row.staff_id is None:
        return None
    if now - row.last_seen_at > idle:
        await session.delete(row)
        return None
    account = await session.get(StaffAccount, row.staff_id)
    if account is None:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not one a click
        row.last_seen_at = now
    return row, account


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(
        delete(StaffSession).where(StaffSession.token_hash == _hash_token(token))
    )


async def open_sessions(
    session: AsyncSession, now: datetime, idle: timedelta, staff_id: int | None = None
) -> list[tuple[StaffSession, StaffAccount]]:
    """The signed-in browsers not idle too long, the latest seen first; `staff_id`: one
    account's only. (No address of the browser is kept: there is none to show.)"""
    query = (
        select(StaffSession, StaffAccount)
        .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
        .where(StaffSession.purpose == SESSION, StaffSession.last_seen_at >= now - idle)
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.created_at.desc())
    )
    if staff_id is not None:
        query = query.where(StaffSession.staff_id == staff_id)
    return [(row, account) for row, account in (await session.execute(query)).all()]


async def revoke_session(
    session: AsyncSession, token_hash: str, by: str, now: datetime, staff_id: int | None = None
) -> StaffAccount | None:
    """Sign a browser out (its row deleted), recorded in the audit log; `staff_id`: only if it
    is that account's (a person revoking their own). The account whose session it was."""
    row = await session.get(StaffSession, token_hash[:64])
    if row is None or row.purpose != SESSION or row.staff_id is None:
        return None
    if staff_id is not None and row.staff_id != staff_id:
        return None
    account = await session.get(StaffAccount, row.staff_id)
    await session.delete(row)
    target = actor(account) if account else "staff:?"
    started = row.created_at.isoformat(timespec="minutes")
    await audit.record(session, by, "staff.session_revoked", target, {"since": started}, at=now)
    return account


async def setup_link_token(session: AsyncSession, now: datetime) -> str | None:
    """First run: a one-time token that creates the first admin, while no account exists.

    A new token replaces the earlier ones (each start logs a fresh link)."""
    if await count(session):
        return None
    await session.execute(delete(StaffSession).where(StaffSession.purpose == SETUP))
    token, _ = await open_session(session, None, now, SETUP)
    return token


async def setup_row(session: AsyncSession, token: str) -> StaffSession | None:
    row = await session.get(StaffSession, _hash_token(token)) if token else None
    return row if row is not None and row.purpose == SETUP else None


async def use_setup_link(
    session: AsyncSession, token: str, email: str, password: str, now: datetime
) -> StaffAccount:
    """Create the first admin with the setup link, which then stops working."""
    row = await setup_row(session, token)
    if row is None or await count(session):
        raise AccountError("this setup link is no longer valid")
    account = await add(session, email, "admin", password, "setup-link", now)
    await session.delete(row)
    return account
