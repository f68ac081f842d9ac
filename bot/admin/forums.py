"""Forum editions in the back office (admins): each forum with its editions, a form to open one
and a button to close it. The same functions as `diaspora-bot forum open|close|list`
(handlers.forum_editions.open_and_notify, storage.forum_editions): audited with the staff
account, and opening tells the interest list once through the outbox."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from bot.admin.web import PageContext, form_text, redirect, staff_page, translator
from bot.services import Services
from handlers.forum_editions import open_and_notify
from storage import forum_editions, registrations

FIELDS = ("starts", "ends", "place", "capacity")


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    async def _page(request: Request, ctx: PageContext, status: int = 200, **extra: object):  # type: ignore[no-untyped-def]
        forums = services.knowledge.forums
        editions = await forum_editions.all_editions(ctx.session)
        rows = [
            {
                "forum": forum,
                "editions": [e for e in editions if e.forum_id == forum.id][::-1],  # newest first
                "open": any(e.forum_id == forum.id and e.status == "open" for e in editions),
            }
            for forum in (forums.forums.values() if forums else ())
        ]
        extra.setdefault("error", None)
        extra.setdefault("error_forum", None)
        extra.setdefault("form", {})
        return ctx.render(
            request,
            "forums.html",
            status,
            rows=rows,
            waiting=await forum_editions.waiting_counts(ctx.session),
            counts=await registrations.counts_by_edition(ctx.session),
            place_max=forum_editions.PLACE_MAX,
            **extra,
        )

    def _error(request: Request, error: forum_editions.EditionError) -> str:
        """The reason in the staff's language (every code has its string; kb check sees them)."""
        return translator(request, services)(f"edition_error_{error.code}")

    @staff_page(services, admin=True)
    async def listing(request: Request, ctx: PageContext) -> Response:
        return await _page(request, ctx, done=request.query_params.get("done"))

    @staff_page(services, admin=True)
    async def open_one(request: Request, ctx: PageContext) -> Response:
        forum_id = request.path_params["forum_id"]
        form = {name: form_text(ctx.form, name, 300).strip() for name in FIELDS}
        try:
            starts, ends = _day(form["starts"], "starts"), _day(form["ends"], "ends")
            capacity = _capacity(form["capacity"])
            await open_and_notify(
                ctx.session,
                services.knowledge,
                forum_id,
                starts_on=starts,
                ends_on=ends,
                place=form["place"],
                capacity=capacity,
                actor=ctx.actor,
                now=ctx.now,
            )
        except forum_editions.EditionError as error:
            message = _error(request, error)
            return await _page(request, ctx, 400, error=message, error_forum=forum_id, form=form)
        return redirect("/forums?done=opened")

    @staff_page(services, admin=True)
    async def close_one(request: Request, ctx: PageContext) -> Response:
        forum_id = request.path_params["forum_id"]
        try:
            await forum_editions.close_edition(ctx.session, forum_id, actor=ctx.actor, now=ctx.now)
        except forum_editions.EditionError as error:
            message = _error(request, error)
            return await _page(request, ctx, 400, error=message, error_forum=forum_id)
        return redirect("/forums?done=closed")

    return [
        ("/forums", listing, ["GET"]),
        ("/forums/{forum_id}/open", open_one, ["POST"]),
        ("/forums/{forum_id}/close", close_one, ["POST"]),
    ]


def _day(text: str, field: str) -> date:
    """A date from the form's date field (YYYY-MM-DD, what browsers send)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise forum_editions.EditionError(f"{field}: not a date", f"{field}_date") from None


def _capacity(text: str) -> int:
    if not text.isdigit() or len(text) > 6:  # "-3", "deux cents", "1e9": not a number of places
        raise forum_editions.EditionError("capacity: not a positive number", "capacity")
    return int(text)
