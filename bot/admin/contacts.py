"""Contacts in the back office (admins): search, CSV import by upload with the same report as
`diaspora-bot contacts import`, and export (audited, like the CLI's)."""

from __future__ import annotations

import contextlib
import csv
import io
from html import escape

from sqlalchemy import or_, select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.admin.web import PREFIX, PageContext, staff_page
from bot.services import Services
from handlers import contact_csv
from knowledge.addresses import AddressError, normalise_address
from storage import audit
from storage.contact_import import export_rows
from storage.messages import storable
from storage.models import Contact

PAGE = 50


def megabytes(limit: int) -> str:
    return f"{round(limit / (1024 * 1024), 1):g}"


def too_large_page(services: Services, limit: int) -> bytes:
    """What a browser shows for a CSV over MAX_UPLOAD_BYTES (413): built once at start, in
    French and English, since the refusal comes before any session or language is read."""
    t = services.knowledge.locales.t
    parts = []
    for lang in ("fr", "en"):
        parts.append(
            f'<section lang="{lang}"><h1>{escape(t(lang, "admin.upload_too_large_title"))}</h1>'
            f'<p role="alert">{escape(t(lang, "admin.upload_too_large", mb=megabytes(limit)))}'
            f'</p><p><a href="{PREFIX}/contacts">{escape(t(lang, "admin.back_to_contacts"))}</a>'
            "</p></section>"
        )
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(t('fr', 'admin.upload_too_large_title'))}</title>"
        f'<link rel="stylesheet" href="{PREFIX}/static/admin.css"></head>'
        f'<body><main id="main">{"".join(parts)}</main></body></html>'
    ).encode()


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    settings = services.settings

    async def _search(ctx: PageContext, q: str) -> list[Contact]:
        query = select(Contact).where(Contact.staff_chat.is_(False))
        if q:
            matches = [Contact.name.ilike(f"%{q}%")]
            # A phone number or address typed as staff have it: that exact person.
            with contextlib.suppress(AddressError, ValueError):
                matches.append(Contact.address == normalise_address(q, settings.default_region))
            query = query.where(or_(*matches))
        return list(await ctx.session.scalars(query.order_by(Contact.id.desc()).limit(PAGE)))

    @staff_page(services, admin=True)
    async def listing(request: Request, ctx: PageContext) -> Response:
        q = storable(request.query_params.get("q", "")).strip()[:100]
        found = await _search(ctx, q)
        return ctx.render(
            request, "contacts.html", found=found, q=q, report=None, error=None,
            upload_mb=megabytes(settings.max_upload_bytes),
        )  # fmt: skip

    @staff_page(services, admin=True)
    async def upload(request: Request, ctx: PageContext) -> Response:
        assert ctx.form is not None
        file = ctx.form.get("file")
        error, report = None, None
        if file is None or isinstance(file, str) or not file.filename:
            error = "no file chosen"
        else:
            try:
                text = contact_csv.decode(await file.read(contact_csv.MAX_BYTES + 1))
                report = await contact_csv.import_text(
                    ctx.session, text, region=settings.default_region,
                    default_language=settings.default_language,
                    locales=services.knowledge.locales, now=ctx.now,
                )  # fmt: skip
            except contact_csv.FileError as problem:
                error = str(problem)
            else:
                await audit.record(
                    ctx.session, ctx.actor, "contacts.imported", storable(file.filename)[:64],
                    report.counts, at=ctx.now,
                )  # fmt: skip
        found = await _search(ctx, "")
        return ctx.render(
            request, "contacts.html", 400 if error else 200, found=found, q="", report=report,
            error=error, upload_mb=megabytes(settings.max_upload_bytes),
        )  # fmt: skip

    @staff_page(services, admin=True)
    async def export(request: Request, ctx: PageContext) -> Response:
        out = io.StringIO()
        out.write("\ufeff")  # UTF-8 with BOM: Excel reads accents right
        writer = csv.writer(out)
        writer.writerow(contact_csv.EXPORT_COLUMNS)
        written = 0
        async for contact in export_rows(ctx.session):
            writer.writerow(list(contact_csv.export_cells(contact)))
            written += 1
        await audit.record(
            ctx.session, ctx.actor, "contacts.exported", "web", {"contacts": written}, at=ctx.now
        )
        return StreamingResponse(
            iter([out.getvalue()]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
        )

    return [
        ("/contacts", listing, ["GET"]),
        ("/contacts/import", upload, ["POST"]),
        ("/contacts.csv", export, ["GET"]),
    ]
