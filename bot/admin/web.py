"""The back office's plumbing: templates, the staff's session cookie, CSRF and roles.

Every page is a function `page(request, ctx)` wrapped by `staff_page`, which opens one database
transaction, finds the signed-in account from the session cookie (or sends the visitor to the
sign-in page with a 303), checks the role (403 for an agent on an admin's page) and, for a POST,
the form's `csrf_token` against the session's (403 without it).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.services import Services
from knowledge.addresses import mask
from storage import staff_accounts
from storage.messages import storable
from storage.models import StaffAccount, StaffSession, utcnow

COOKIE = "admin_session"
LOGIN_CSRF_COOKIE = "admin_login_csrf"
LANG_COOKIE = "admin_lang"
PREFIX = "/admin"

_env = Environment(
    loader=PackageLoader("bot.admin", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["mask"] = mask
templates = Jinja2Templates(env=_env)


def language(request: Request, services: Services) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    locales = services.knowledge.locales
    if chosen in ("fr", "en"):
        return chosen
    default = services.settings.default_language
    return default if default in ("fr", "en") and locales.supports(default) else "fr"


def translator(request: Request, services: Services) -> Callable[..., str]:
    lang = language(request, services)
    locales = services.knowledge.locales

    def t(key: str, **values: Any) -> str:
        return locales.t(lang, f"admin.{key}", **values)

    return t


def secure_cookies(services: Services) -> bool:
    return services.settings.public_url.startswith("https://")


def set_cookie(response: Response, services: Services, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(services),
        path=PREFIX,
    )


def render(
    request: Request, services: Services, name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("lang", language(request, services))
    context.setdefault("t", translator(request, services))
    context.setdefault("prefix", PREFIX)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@dataclass
class PageContext:
    """What a page is given: the transaction, the staff member, their CSRF token, a clock."""

    services: Services
    session: AsyncSession
    account: StaffAccount
    staff_session: StaffSession
    now: datetime
    form: FormData | None = None

    @property
    def actor(self) -> str:
        return staff_accounts.actor(self.account)

    @property
    def is_admin(self) -> bool:
        return self.account.role == "admin"

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any):  # type: ignore[no-untyped-def]
        return render(
            request,
            self.services,
            name,
            status_code,
            account=self.account,
            csrf_token=self.staff_session.csrf_token,
            **context,
        )


Page = Callable[[Request, PageContext], Awaitable[Response]]


def idle_timeout(services: Services) -> timedelta:
    return timedelta(minutes=services.settings.admin_idle_minutes)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303)


def forbidden(request: Request, services: Services, why: str) -> HTMLResponse:
    t = translator(request, services)
    return render(request, services, "error.html", 403, message=t(why))


def staff_page(
    services: Services, *, admin: bool = False, transaction: bool = True
) -> Callable[[Page], Callable]:
    """`transaction=False`: the page runs after the checks' transaction has closed (the
    simulator, whose conversation opens transactions of its own); `ctx.session` is then None."""

    def decorate(page: Page) -> Callable[[Request], Awaitable[Response]]:
        @wraps(page)
        async def endpoint(request: Request) -> Response:
            token = request.cookies.get(COOKIE, "")
            now = utcnow()
            form = None
            if request.method == "POST":
                form = await request.form(max_files=1, max_fields=50)
            async with services.db.transaction() as session:
                found = await staff_accounts.current_session(
                    session, token, now, idle_timeout(services)
                )
                if found is None:
                    return to_login(request)
                staff_session, account = found
                if form is not None and not secrets.compare_digest(
                    str(form.get("csrf_token", "")), staff_session.csrf_token
                ):
                    return forbidden(request, services, "csrf_refused")
                if admin and account.role != "admin":
                    return forbidden(request, services, "admins_only")
                ctx = PageContext(services, session, account, staff_session, now, form)
                if transaction:
                    return await page(request, ctx)
            ctx.session = None  # type: ignore[assignment]
            return await page(request, ctx)

        return endpoint

    return decorate


def form_text(form: FormData | None, name: str, limit: int) -> str:
    """A text field as it can be stored on every database: at most `limit` characters, NUL
    (which PostgreSQL refuses) made U+FFFD, like people's messages."""
    value = form.get(name, "") if form is not None else ""
    return storable(value if isinstance(value, str) else "")[:limit]


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, status_code=303)
