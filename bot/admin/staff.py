"""Staff accounts in the back office (admins): the list, a new account, removal. The same
functions as `diaspora-bot staff add|list|remove` (storage.staff_accounts), audited alike."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.admin.web import PageContext, redirect, staff_page
from bot.services import Services
from storage import staff_accounts


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    async def _page(request: Request, ctx: PageContext, status: int = 200, **extra: object):  # type: ignore[no-untyped-def]
        accounts = await staff_accounts.listing(ctx.session)
        extra.setdefault("error", None)
        extra.setdefault("form", {})
        return ctx.render(request, "staff.html", status, accounts=accounts, now=ctx.now, **extra)

    @staff_page(services, admin=True)
    async def listing(request: Request, ctx: PageContext) -> Response:
        return await _page(request, ctx)

    @staff_page(services, admin=True)
    async def add(request: Request, ctx: PageContext) -> Response:
        assert ctx.form is not None
        form = {k: str(ctx.form.get(k, "")).strip() for k in ("email", "role", "telegram_id")}
        try:
            await staff_accounts.add(
                ctx.session, form["email"], form["role"], str(ctx.form.get("password", "")),
                ctx.actor, ctx.now, form["telegram_id"] or None,
            )  # fmt: skip
        except staff_accounts.AccountError as error:
            return await _page(request, ctx, 400, error=str(error), form=form)
        return redirect("/staff")

    @staff_page(services, admin=True)
    async def remove(request: Request, ctx: PageContext) -> Response:
        assert ctx.form is not None
        email = str(ctx.form.get("email", ""))
        if email.strip().lower() == ctx.account.email:
            return await _page(request, ctx, 400, error="you cannot remove your own account")
        await staff_accounts.remove(ctx.session, email, ctx.actor, ctx.now)
        return redirect("/staff")

    return [
        ("/staff", listing, ["GET"]),
        ("/staff/add", add, ["POST"]),
        ("/staff/remove", remove, ["POST"]),
    ]
