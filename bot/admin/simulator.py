"""The simulator: staff chat with the bot as an SMS user (the GSM-7 text and segment count of
each reply) or as a Telegram user (the buttons), like RapidPro's simulator.

It talks to the real conversation (`Conversation.handle`, one path for every message) with an
address of its own, `console:simulator.<staff id>.<channel>`, whose contact row is flagged like
the staff group's (`staff_chat`): never in an audience, a count of people, an import or an
export. "Start again" erases that contact (and its messages) as SUPPRIMER would.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from bot.admin.web import PageContext, form_text, redirect, staff_page
from bot.channels.render import renderer_for
from bot.services import Services
from handlers.vocabulary import Inbound
from knowledge import gsm7
from storage import contacts
from storage.models import Message, utcnow

CHANNELS = ("sms", "telegram")
HISTORY = 30


def address(staff_id: int, channel: str) -> str:
    return f"console:simulator.{staff_id}.{channel}"


def _channel(raw: str | None) -> str:
    return raw if raw in CHANNELS else "sms"


def routes(services: Services) -> list[tuple[str, object, list[str]]]:
    async def _contact(session, staff_id: int, channel: str, create: bool):  # type: ignore[no-untyped-def]
        where = address(staff_id, channel)
        if not create:
            return await contacts.by_address(session, where)
        contact, _ = await contacts.get_or_create(
            session, where, channel, services.settings.default_language, utcnow()
        )
        contact.staff_chat = True  # never an audience nor a person in the figures
        return contact

    @staff_page(services, transaction=False)
    async def page(request: Request, ctx: PageContext) -> Response:
        channel = _channel(request.query_params.get("channel"))
        async with services.db.transaction() as session:
            contact = await _contact(session, ctx.account.id, channel, create=False)
            history = []
            if contact is not None:
                history = list(
                    await session.scalars(
                        select(Message)
                        .where(Message.contact_id == contact.id)
                        .order_by(Message.id.desc())
                        .limit(HISTORY)
                    )
                )[::-1]
            buttons = list(contact.last_options or []) if contact is not None else []
        lines = [
            {
                "direction": m.direction,
                "text": m.text,
                "sms": gsm7.segments(m.text)
                if channel == "sms" and m.direction == "out"
                else None,
            }
            for m in history
        ]
        return ctx.render(
            request, "simulator.html", channel=channel, lines=lines,
            buttons=buttons if channel == "telegram" else [],
        )  # fmt: skip

    @staff_page(services, transaction=False)
    async def say(request: Request, ctx: PageContext) -> Response:
        assert ctx.form is not None
        channel = _channel(str(ctx.form.get("channel", "")))
        text = form_text(ctx.form, "text", services.settings.max_text_length * 2)
        if not text.strip():
            return redirect(f"/simulator?channel={channel}")
        async with services.db.transaction() as session:
            await _contact(session, ctx.account.id, channel, create=True)
        inbound = Inbound(channel, address(ctx.account.id, channel), text)
        await services.conversation.handle(inbound, renderer_for(channel, services.settings))
        return redirect(f"/simulator?channel={channel}")

    @staff_page(services, transaction=False)
    async def reset(request: Request, ctx: PageContext) -> Response:
        assert ctx.form is not None
        channel = _channel(str(ctx.form.get("channel", "")))
        async with services.db.transaction() as session:
            contact = await _contact(session, ctx.account.id, channel, create=False)
            if contact is not None:
                await contacts.delete(session, contact)
        return redirect(f"/simulator?channel={channel}")

    return [
        ("/simulator", page, ["GET"]),
        ("/simulator/say", say, ["POST"]),
        ("/simulator/reset", reset, ["POST"]),
    ]
