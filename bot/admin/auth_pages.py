"""Sign-in, sign-out, the first run's setup link and the language switch."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.admin.web import (
    COOKIE,
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    PageContext,
    forbidden,
    redirect,
    render,
    set_cookie,
    staff_page,
    translator,
)
from bot.services import Services
from storage import audit, staff_accounts
from storage.models import utcnow


def _safe_next(target: str) -> str:
    """Only a path of the back office itself: never an open redirect to another site."""
    if target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    async def login(request: Request) -> Response:
        t = translator(request, services)
        if request.method == "GET":
            token = secrets.token_urlsafe(32)
            response = render(
                request, services, "login.html", csrf_token=token,
                next=_safe_next(request.query_params.get("next", PREFIX)), error=None, email="",
            )  # fmt: skip
            set_cookie(response, services, LOGIN_CSRF_COOKIE, token)
            return response
        form = await request.form(max_files=0, max_fields=10)
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not secrets.compare_digest(str(form.get("csrf_token", "")), expected):
            return forbidden(request, services, "csrf_refused")
        email = str(form.get("email", ""))[:254]
        password = str(form.get("password", ""))[:1024]
        now = utcnow()
        async with services.db.transaction() as session:
            signed = await staff_accounts.authenticate(session, email, password, now)
            if signed.account is not None:
                token, _ = await staff_accounts.open_session(session, signed.account, now)
                await audit.record(
                    session, staff_accounts.actor(signed.account), "staff.signed_in",
                    staff_accounts.actor(signed.account), at=now,
                )  # fmt: skip
        if signed.account is None:
            error = t("login_locked") if signed.why == "locked" else t("login_wrong")
            response = render(
                request, services, "login.html", 401, csrf_token=expected,
                next=_safe_next(str(form.get("next", PREFIX))), error=error, email=email,
            )  # fmt: skip
            return response
        response = RedirectResponse(_safe_next(str(form.get("next", PREFIX))), status_code=303)
        set_cookie(response, services, COOKIE, token)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
        return response

    @staff_page(services)
    async def logout(request: Request, ctx: PageContext) -> Response:
        if request.method == "GET":
            return ctx.render(request, "logout.html")
        await ctx.session.delete(ctx.staff_session)
        await audit.record(ctx.session, ctx.actor, "staff.signed_out", ctx.actor, at=ctx.now)
        response = redirect("/login")
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    async def setup(request: Request) -> Response:
        """The first admin, through the one-time link `diaspora-bot run` logs."""
        t = translator(request, services)
        token = request.query_params.get("token", "")
        async with services.db.transaction() as session:
            row = await staff_accounts.setup_row(session, token)
            valid = row is not None and await staff_accounts.count(session) == 0
            if not valid:
                return forbidden(request, services, "setup_invalid")
            if request.method == "GET":
                return render(request, services, "setup.html", token=token, error=None,
                              csrf_token=row.csrf_token, email="")  # fmt: skip
            form = await request.form(max_files=0, max_fields=10)
            if not secrets.compare_digest(str(form.get("csrf_token", "")), row.csrf_token):
                return forbidden(request, services, "csrf_refused")
            email, password = str(form.get("email", "")), str(form.get("password", ""))
            error = None
            if password != str(form.get("password2", "")):
                error = t("passwords_differ")
            else:
                try:
                    await staff_accounts.use_setup_link(session, token, email, password, utcnow())
                except staff_accounts.AccountError as problem:
                    error = str(problem)
            if error:
                return render(request, services, "setup.html", 400, token=token, error=error,
                              csrf_token=row.csrf_token, email=email)  # fmt: skip
        return redirect("/login")

    async def switch_language(request: Request) -> Response:
        lang = request.query_params.get("to", "fr")
        response = RedirectResponse(
            _safe_next(request.query_params.get("next", PREFIX)), status_code=303
        )
        if lang in ("fr", "en"):
            set_cookie(response, services, LANG_COOKIE, lang)
        return response

    return [
        ("/login", login, ["GET", "POST"]),
        ("/logout", logout, ["GET", "POST"]),
        ("/setup", setup, ["GET", "POST"]),
        ("/language", switch_language, ["GET"]),
    ]
