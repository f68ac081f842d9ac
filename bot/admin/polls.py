"""Polls in the back office (issue 17): the list, and each poll's results as bar charts.

The results are `storage.poll_results.results`, the function `diaspora-bot poll results` calls:
one count, two faces. Agents see the counts; free-text answers are shown to admins only (as the
CLI, run by an admin, shows them). Admins may close a poll here, as `poll close` does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.admin import charts
from bot.admin.web import PageContext, language, redirect, staff_page
from bot.services import Services
from knowledge.polls import pick
from storage import poll_results
from storage import polls as store


def _state(record: Any, ctx: PageContext) -> str:
    return "closed" if store.is_closed(record, ctx.now) else record.status


def _chart_rows(
    question: dict[str, Any], counts: dict[str, int], total: int, lang: str
) -> list[tuple[str, int, str]]:
    """(option's label, count, "count (percent %)") for each option, in the poll's order."""
    rows = []
    for option in question.get("options", []):
        n = counts.get(option["value"], 0)
        percent = round(100.0 * n / total, 1) if total else 0.0
        label = pick({k: v for k, v in option.items() if k != "value"}, lang) or option["value"]
        rows.append((label, n, f"{n:,} ({percent:g} %)"))
    return rows


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    @staff_page(services)
    async def listing(request: Request, ctx: PageContext) -> Response:
        lang = language(request, services)
        found = await store.listing(ctx.session)
        rows = [
            (row.record, pick(row.record.definition.get("title") or {}, lang) or row.record.title,
             _state(row.record, ctx), row.invited, row.respondents)
            for row in reversed(found)  # the newest first
        ]  # fmt: skip
        return ctx.render(request, "polls.html", rows=rows)

    @staff_page(services)
    async def show(request: Request, ctx: PageContext) -> Response:
        record = await store.get(ctx.session, request.path_params["poll_id"][:32])
        if record is None:
            from bot.admin.pages import ctx_t

            return ctx.render(request, "error.html", 404, message=ctx_t(ctx, request, "not_found"))
        lang = language(request, services)
        by = request.query_params.get("by", "")
        by = by if by in poll_results.GROUPS else None
        group = request.query_params.get("group", "")[:40]
        found = await poll_results.results(ctx.session, record, by=by, free_text=ctx.is_admin)
        groups = sorted({g for q in found["questions"] for g in q.get("by", {})})
        group = group if group in groups else ""
        definitions = {q["id"]: q for q in record.definition["questions"]}
        questions = []
        for result in found["questions"]:
            question = definitions[result["id"]]
            if group:
                counts = result["by"].get(group, {})
                total = sum(counts.values())
            else:
                counts = {o["value"]: o["count"] for o in result["options"]}
                total = result["answers"]
            breakdown = []
            if by is not None and question.get("options"):
                for name, tally in result["by"].items():
                    answered = sum(tally.values())
                    breakdown.append(
                        (name, answered, _chart_rows(question, tally, answered, lang))
                    )
            questions.append({
                "id": result["id"], "text": pick(question["text"], lang), "answers": total,
                "rows": _chart_rows(question, counts, total, lang),
                "free_text": bool(question.get("free_text")),
                "texts": result.get("free_text"), "breakdown": breakdown,
            })  # fmt: skip
        return ctx.render(
            request, "poll.html", record=record, state=_state(record, ctx),
            title=pick(record.definition.get("title") or {}, lang) or record.title,
            found=found, rate=poll_results.response_rate(found), questions=questions,
            by=by or "", group=group, groups=groups, group_names=poll_results.GROUPS,
            charts=charts, closed=request.query_params.get("closed") == "1",
        )  # fmt: skip

    @staff_page(services, admin=True)
    async def close(request: Request, ctx: PageContext) -> Response:
        poll_id = request.path_params["poll_id"][:32]
        try:
            await store.close(ctx.session, poll_id, ctx.actor, ctx.now)
        except store.PollStateError as error:
            from bot.admin.pages import ctx_t

            why = "not_found" if error.code == "not_found" else "poll_already_closed"
            status = 404 if error.code == "not_found" else 409
            return ctx.render(request, "error.html", status, message=ctx_t(ctx, request, why))
        return redirect(f"/polls/{poll_id}?closed=1")

    return [
        ("/polls", listing, ["GET"]),
        ("/polls/{poll_id}", show, ["GET"]),
        ("/polls/{poll_id}/close", close, ["POST"]),
    ]
