"""The back office's pages. Each calls the same storage and handler functions as the Telegram
staff commands and the command line: one implementation of each staff action, three faces."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from bot.admin import charts
from bot.admin.web import PageContext, form_text, language, redirect, staff_page
from bot.services import Services
from handlers import announcements, consultations, limits
from handlers.announcements import WhenError
from handlers.segments import SegmentError, parse
from knowledge import gsm7
from knowledge.addresses import mask
from storage import audit, broadcasts, gaps, overview, tickets
from storage.messages import storable
from storage.models import Contact, Message, Registration, SmsProviderHealth, Ticket

PAGE = 50
# A broadcast is one Telegram message at most (4,096 characters); longer is cut, not refused.
MAX_BROADCAST = 4096
SMS_BUDGET = 3  # segments a message past which the composer warns (each segment is paid)
LIMIT_PEOPLE_SHOWN = 5  # people listed per cost limit on the overview, the heaviest first
LIMIT_NAMES = (
    limits.INBOUND_MINUTE, limits.REPLIES_HOUR, limits.LOOP_REPEAT, limits.LOOP_FAST,
    limits.FAMILY_DAY, limits.FAMILY_NUMBER, limits.TICKET_BATCHED,
)  # fmt: skip


def _sorted(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def entry_title(services: Services, entry_id: str, lang: str) -> str:
    """An FAQ entry's title in the page's language (its id if the entry was removed since)."""
    entry = services.knowledge.faq.entries.get(entry_id)
    if entry is None:
        return entry_id
    return entry.title.get(lang) or entry.title.get("fr") or next(iter(entry.title.values()))


@dataclass(frozen=True)
class ProviderHealth:
    """One SMS provider as the overview shows it: `silent` when not heard from for too long."""

    provider: str
    status: str | None
    detail: str | None
    last_heard_at: datetime | None
    minutes_ago: int | None
    silent: bool


def provider_health(
    rows: list[SmsProviderHealth], now: datetime, silent_after: timedelta, android: bool
) -> list[ProviderHealth]:
    """The providers' health with the same silence rule as the Android watch's log alert: the
    phone (checked every minute) is silent past ANDROID_SMS_SILENT_MINUTES; any provider whose
    last check failed is flagged too. A configured phone never heard from is listed as silent."""
    shown = []
    for row in rows:
        ago = now - row.last_heard_at if row.last_heard_at else None
        silent = (row.provider == "android" and (ago is None or ago > silent_after)) or (
            row.status in ("fail", "unreachable")
        )
        minutes = int(ago.total_seconds() // 60) if ago is not None else None
        shown.append(
            ProviderHealth(
                row.provider, row.status, row.detail, row.last_heard_at, minutes, silent
            )
        )
    if android and not any(p.provider == "android" for p in shown):
        shown.append(ProviderHealth("android", None, None, None, None, True))
    return shown


def segment_error_text(ctx: PageContext, error: SegmentError, lang: str) -> str:
    return ctx.services.knowledge.locales.t(lang, f"staff.segment_{error.code}", **error.values)


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    locales = services.knowledge.locales

    @staff_page(services)
    async def home(request: Request, ctx: PageContext) -> Response:
        seen = await overview.load(ctx.session, ctx.now, cache_key=services.db.url)
        unknown = ctx_t(ctx, request, "unknown")
        countries = [
            (unknown if code == overview.UNKNOWN else code, n)
            for code, n in _sorted(seen.by_country)
        ]
        lang = language(request, services)
        asked = [(entry_title(services, e, lang), n, f"{n:,}") for e, n in seen.most_asked]
        settings = services.settings
        health = provider_health(
            seen.sms_providers, ctx.now,
            timedelta(minutes=settings.android_sms_silent_minutes),
            settings.android_sms_enabled,
        )  # fmt: skip
        hits = [
            (
                ctx_t(ctx, request, f"limit_{hit.name}") if hit.name in LIMIT_NAMES else hit.name,
                hit,
                sorted(hit.people.items(), key=lambda p: (-p[1], p[0]))[:LIMIT_PEOPLE_SHOWN],
            )
            for hit in seen.limit_hits
        ]
        return ctx.render(
            request,
            "overview.html",
            o=seen,
            charts=charts,
            by_count=_sorted,
            countries=countries,
            asked=asked,
            health=health,
            hits=hits,
            mask=mask,
        )

    # --- inbox -------------------------------------------------------------------------------
    @staff_page(services)
    async def ticket_list(request: Request, ctx: PageContext) -> Response:
        status = request.query_params.get("status", "open")
        wanted = status if status in ("open", "answered") else None
        rows = await tickets.inbox(ctx.session, wanted, PAGE)
        return ctx.render(request, "tickets.html", rows=rows, status=status)

    @staff_page(services)
    async def ticket_show(request: Request, ctx: PageContext) -> Response:
        ticket = await tickets.get(ctx.session, _int(request.path_params["ticket_id"]))
        if ticket is None:
            return ctx.render(request, "error.html", 404, message=ctx_t(ctx, request, "not_found"))
        person = await ctx.session.get(Contact, ticket.contact_id)
        conversation = list(
            await ctx.session.scalars(
                select(Message)
                .where(Message.contact_id == ticket.contact_id)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(20)
            )
        )[::-1]
        sent = request.query_params.get("sent") == "1"
        return ctx.render(
            request, "ticket.html", ticket=ticket, person=person, messages=conversation,
            sent=sent, error=None,
        )  # fmt: skip

    @staff_page(services)
    async def ticket_reply(request: Request, ctx: PageContext) -> Response:
        ticket = await tickets.get(ctx.session, _int(request.path_params["ticket_id"]))
        if ticket is None:
            return ctx.render(request, "error.html", 404, message=ctx_t(ctx, request, "not_found"))
        assert ctx.form is not None
        text = form_text(ctx.form, "answer", services.settings.max_text_length)
        why = await answer_ticket(ctx, ticket, text)
        if why is not None:
            person = await ctx.session.get(Contact, ticket.contact_id)
            return ctx.render(
                request, "ticket.html", 400, ticket=ticket, person=person, messages=[],
                sent=False, error=ctx_t(ctx, request, f"reply_{why}"),
            )  # fmt: skip
        return redirect(f"/tickets/{ticket.id}?sent=1")

    async def answer_ticket(ctx: PageContext, ticket: Ticket, text: str) -> str | None:
        why = await consultations.send_answer(
            ctx.session, locales, ticket, text, ctx.actor, ctx.now
        )
        if why is None:  # the staff group is told, so that no one there answers it again
            await consultations.post_to_staff(
                ctx.session, locales, services.settings.handler_config(), ticket,
                "admin.group_answered", "answered", ctx.now, by=ctx.account.email,
            )  # fmt: skip
        return why

    # --- broadcasts --------------------------------------------------------------------------
    @staff_page(services, admin=True)
    async def broadcast_list(request: Request, ctx: PageContext) -> Response:
        found = await broadcasts.listing(ctx.session, PAGE)
        return ctx.render(
            request, "broadcasts.html", found=found, local=announcements.local,
            cancellable=broadcasts.CANCELLABLE,
            running=any(b.status == "queuing" or p.queued for b, p in found),
        )  # fmt: skip

    @staff_page(services, admin=True)
    async def broadcast_new(request: Request, ctx: PageContext) -> Response:
        if request.method == "GET":
            return ctx.render(request, "broadcast_new.html", form={}, error=None,
                              budget=SMS_BUDGET)  # fmt: skip
        assert ctx.form is not None
        form = {
            k: form_text(ctx.form, k, MAX_BROADCAST)
            for k in ("text_fr", "text_en", "segment", "at")
        }
        lang = request.cookies.get("admin_lang", "fr")
        text_fr, text_en = form["text_fr"].strip() or None, form["text_en"].strip() or None
        error = None
        try:
            audience = parse(form["segment"] or "all", languages=locales.languages)
            when = announcements.parse_when(form["at"].strip() or "now", ctx.now)
        except SegmentError as problem:
            error = segment_error_text(ctx, problem, lang)
        except WhenError as problem:
            error = locales.t(lang, f"staff.when_{problem.code}")
        if error is None and not (text_fr or text_en):
            error = ctx_t(ctx, request, "bc_need_text")
        if error is not None:
            return ctx.render(request, "broadcast_new.html", 400, form=form, error=error,
                              budget=SMS_BUDGET)  # fmt: skip
        await announcements.create(
            ctx.session, text_fr=text_fr, text_en=text_en, audience=audience, send_at=when,
            actor=ctx.actor, now=ctx.now,
        )  # fmt: skip
        return redirect("/broadcasts")

    @staff_page(services, admin=True)
    async def broadcast_preview(request: Request, ctx: PageContext) -> Response:
        """The composer's live figures: recipients, and for SMS the encoding and segments."""
        q = request.query_params
        text_fr, text_en = (
            q.get("text_fr", "").strip() or None,
            q.get("text_en", "").strip() or None,
        )
        lang = request.cookies.get("admin_lang", "fr")
        try:
            audience = parse(q.get("segment", "") or "all", languages=locales.languages)
        except SegmentError as problem:
            return JSONResponse({"error": segment_error_text(ctx, problem, lang)})
        shown = await announcements.preview(ctx.session, text_fr, text_en, audience)
        sms = []
        for cost in shown.sms:
            text = text_fr if cost.language == "fr" else text_en
            version = announcements.sms_version(text) or ""
            forcing = next((c for c in version if not gsm7.is_gsm7(c)), None)
            sms.append({
                "language": cost.language, "encoding": cost.encoding,
                "segments": cost.segments, "recipients": cost.recipients,
                "total": cost.total_segments, "characters": len(version),
                "ucs2_because": forcing, "over_budget": cost.segments > SMS_BUDGET,
            })  # fmt: skip
        return JSONResponse(
            {
                "recipients": shown.total,
                "by": [
                    {"language": lang_, "channel": channel, "people": n}
                    for (lang_, channel), n in sorted(shown.by_language_channel.items())
                ],
                "sms": sms,
                "sms_segments": shown.sms_segments,
                "budget": SMS_BUDGET,
            }
        )

    @staff_page(services, admin=True)
    async def broadcast_cancel(request: Request, ctx: PageContext) -> Response:
        await broadcasts.cancel(
            ctx.session, _int(request.path_params["broadcast_id"]), ctx.actor, ctx.now
        )
        return redirect("/broadcasts")

    # --- knowledge gaps, audit ---------------------------------------------------------------
    @staff_page(services)
    async def gap_list(request: Request, ctx: PageContext) -> Response:
        found = await gaps.most_frequent(ctx.session, PAGE)
        return ctx.render(request, "gaps.html", found=found)

    @staff_page(services, admin=True)
    async def audit_log(request: Request, ctx: PageContext) -> Response:
        action = storable(request.query_params.get("action", ""))[:32]
        found = await audit.latest(ctx.session, 100, action or None)
        return ctx.render(request, "audit.html", found=found)

    # --- registrations -----------------------------------------------------------------------
    @staff_page(services, admin=True)
    async def registration_list(request: Request, ctx: PageContext) -> Response:
        forum = storable(request.query_params.get("forum", ""))[:32]
        edition = _int(request.query_params.get("edition", ""))  # 0: every edition
        search = storable(request.query_params.get("q", "")).strip()[:100]
        as_csv = request.query_params.get("format") == "csv"
        forums = await ctx.session.execute(
            select(Registration.forum_id, func.count()).group_by(Registration.forum_id)
        )
        query = select(Registration, Contact).join(Contact, Contact.id == Registration.contact_id)
        if forum:
            query = query.where(Registration.forum_id == forum)
        if edition:
            query = query.where(Registration.edition_id == edition)
        if search:
            like = f"%{search}%"
            query = query.where(or_(Registration.code.ilike(like), Contact.name.ilike(like)))
        query = (
            query.order_by(Registration.forum_id, Registration.id)
            if as_csv
            else query.order_by(Registration.id.desc())
        )
        # The page shows the newest; the CSV holds every registration that matches.
        rows = (await ctx.session.execute(query if as_csv else query.limit(PAGE))).all()
        if as_csv:
            await audit.record(
                ctx.session, ctx.actor, "registrations.exported", forum or "all",
                {"registrations": len(rows)}, at=ctx.now,
            )  # fmt: skip
            return _csv(
                "registrations.csv",
                ("forum", "code", "status", "name", "channel", "language", "created_at",
                 "edition"),  # the edition last: spreadsheets built on the first columns hold
                (
                    (r.forum_id, r.code, r.status, c.name or "", c.channel, c.language,
                     r.created_at.isoformat(), r.edition_id or "")
                    for r, c in rows
                ),
            )  # fmt: skip
        return ctx.render(request, "registrations.html", rows=rows, forums=forums.all(),
                          forum=forum, edition=edition, q=search)  # fmt: skip

    return [
        ("/", home, ["GET"]),
        ("/tickets", ticket_list, ["GET"]),
        ("/tickets/{ticket_id}", ticket_show, ["GET"]),
        ("/tickets/{ticket_id}/reply", ticket_reply, ["POST"]),
        ("/broadcasts", broadcast_list, ["GET"]),
        ("/broadcasts/new", broadcast_new, ["GET", "POST"]),
        ("/broadcasts/preview", broadcast_preview, ["GET"]),
        ("/broadcasts/{broadcast_id}/cancel", broadcast_cancel, ["POST"]),
        ("/gaps", gap_list, ["GET"]),
        ("/audit", audit_log, ["GET"]),
        ("/registrations", registration_list, ["GET"]),
    ]


def ctx_t(ctx: PageContext, request: Request, key: str, **values: object) -> str:
    from bot.admin.web import translator

    return translator(request, ctx.services)(key, **values)


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


def _csv(name: str, header: Iterable[str], rows: Iterable[Iterable[object]]) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads accents right with a byte-order mark
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return StreamingResponse(
        iter([out.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
