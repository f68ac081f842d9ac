"""Signed-in sessions (staff): admins see everyone's and may sign any browser out; an agent sees
and revokes their own (a phone left signed in somewhere). Every revocation is audited."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.admin.web import (
    PageContext,
    idle_timeout,
    redirect,
    staff_page,
    to_login,
    translator,
)
from bot.services import Services
from storage import staff_accounts


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    @staff_page(services)
    async def listing(request: Request, ctx: PageContext) -> Response:
        found = await staff_accounts.open_sessions(
            ctx.session, ctx.now, idle_timeout(services),
            None if ctx.is_admin else ctx.account.id,
        )  # fmt: skip
        return ctx.render(
            request, "sessions.html", found=found, now=ctx.now,
            current=ctx.staff_session.token_hash,
            revoked=request.query_params.get("revoked") == "1",
        )  # fmt: skip

    @staff_page(services)
    async def revoke(request: Request, ctx: PageContext) -> Response:
        assert ctx.form is not None
        token_hash = str(ctx.form.get("session", ""))[:64]
        own = token_hash == ctx.staff_session.token_hash
        ended = await staff_accounts.revoke_session(
            ctx.session, token_hash, ctx.actor, ctx.now, None if ctx.is_admin else ctx.account.id
        )
        if ended is None:  # gone already, or another person's (for an agent)
            t = translator(request, services)
            return ctx.render(request, "error.html", 404, message=t("not_found"))
        if own:  # this browser just signed itself out
            return to_login(request)
        return redirect("/sessions?revoked=1")

    return [
        ("/sessions", listing, ["GET"]),
        ("/sessions/revoke", revoke, ["POST"]),
    ]
