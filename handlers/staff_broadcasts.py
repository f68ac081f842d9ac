"""Broadcasts from the staff's private chat with the bot: /broadcast (a flow: French text,
English text, audience, when, preview, confirm), /broadcasts (progress) and /cancel_broadcast.

Admins only. Every step re-checks the sender's rights: a person who is not staff, whatever they
type or whatever button data they forge, falls through to the ordinary router (None).
"""

from __future__ import annotations

from datetime import datetime

from handlers import announcements, consultations
from handlers.announcements import Preview, WhenError
from handlers.context import Context
from handlers.router import Keyword
from handlers.segments import SegmentError, known_forums, parse
from handlers.vocabulary import Option, Reply
from knowledge.text import fold
from knowledge.words import says
from storage import broadcasts
from storage.audience import Audience

FLOW = "broadcast"
SEND, DISCARD, SKIP, NOW = "BROADCAST_SEND", "BROADCAST_DISCARD", "SKIP", "NOW"
SKIP_WORDS = ("skip", "passer", "aucun", "none")
# Besides the vocabulary's "yes" (send) and "no" (discard) words.
SEND_WORDS = (fold(SEND), "envoyer", "send")
DISCARD_WORDS = (fold(DISCARD), "abandonner", "discard")
# Words that leave the flow through the ordinary keywords; anything else is the staff's text.
LEAVE_WORDS = ("menu", "accueil", "home", "cancel")  # and the vocabulary's "cancel" words
COMMON_SEGMENTS = (
    ("staff.bc_seg_all", "all"),
    ("staff.bc_seg_sms", "channel:sms"),
    ("staff.bc_seg_telegram", "channel:telegram"),
    ("staff.bc_seg_fr", "lang:fr"),
    ("staff.bc_seg_en", "lang:en"),
    ("staff.bc_seg_subscribers", "subscribers"),
)
LIST_LIMIT = 10


async def actor(ctx: Context) -> str:
    return await consultations.staff_actor(ctx)


def _words(text: str) -> str:
    return fold(text.lstrip("/"))


async def start(ctx: Context) -> list[Reply] | None:
    """/broadcast: start writing an announcement (admins)."""
    if not ctx.is_staff(admin=True):
        return None
    await ctx.start_flow(FLOW, "fr", {})
    return [Reply(ctx.t("staff.bc_ask_fr"), (ctx.option("staff.bc_skip", SKIP),))]


def leaving(ctx: Context) -> bool:
    """MENU, CANCEL and the vocabulary's "cancel" words leave a staff flow through the keywords."""
    words = _words(ctx.text)
    return words in LEAVE_WORDS or says(ctx.knowledge.locales, words, "cancel")


async def draft(ctx: Context) -> list[Reply] | None:
    """Before the keywords: the announcement's text is free text no keyword may take over."""
    if ctx.flow is None or ctx.flow.flow != FLOW or leaving(ctx):
        return None
    return await step(ctx)


async def step(ctx: Context) -> list[Reply] | None:
    """One step of the /broadcast flow."""
    assert ctx.flow is not None
    if not ctx.is_staff(admin=True):  # rights may have been withdrawn since the flow began
        await ctx.end_flow()
        return None
    data = dict(ctx.flow.data)
    current = ctx.flow.step
    if current in ("fr", "en"):
        text = None if _words(ctx.text) in SKIP_WORDS else ctx.text
        data[f"text_{current}"] = text
        if current == "fr":
            await ctx.set_step("en", data)
            return [Reply(ctx.t("staff.bc_ask_en"), (ctx.option("staff.bc_skip", SKIP),))]
        if not (data.get("text_fr") or data.get("text_en")):
            await ctx.set_step("fr", {})
            return [Reply(ctx.t("staff.bc_need_text"), (ctx.option("staff.bc_skip", SKIP),))]
        await ctx.set_step("segment", data)
        return [_ask_segment(ctx)]
    if current == "segment":
        try:
            audience = parse(ctx.text, languages=ctx.knowledge.locales.languages)
        except SegmentError as error:
            return [Reply(ctx.t(f"staff.segment_{error.code}", **error.values)), _ask_segment(ctx)]
        data["segment"] = audience.canonical()
        await ctx.set_step("when", data)
        return [_ask_when(ctx)]
    if current == "when":
        try:
            when = announcements.parse_when(ctx.text, ctx.now)
        except WhenError as error:
            return [Reply(ctx.t(f"staff.when_{error.code}")), _ask_when(ctx)]
        data["send_at"] = when.isoformat()
        data["now"] = when <= ctx.now
        await ctx.set_step("confirm", data)
        return [await _preview(ctx, data)]
    if current == "confirm":
        return await _confirm(ctx, data)
    await ctx.end_flow()
    return None


def _ask_segment(ctx: Context) -> Reply:
    options = [ctx.option(key, value) for key, value in COMMON_SEGMENTS]
    options += [Option(f"forum:{forum}", f"forum:{forum}") for forum in known_forums()]
    return Reply(ctx.t("staff.bc_ask_segment"), tuple(options))


def _ask_when(ctx: Context) -> Reply:
    return Reply(ctx.t("staff.bc_ask_when"), (ctx.option("staff.bc_now", NOW),))


def when_text(ctx: Context, data: dict) -> str:
    """`data["now"]` (at once) or `data["send_at"]`, as the preview and the receipt say it."""
    if data.get("now"):
        return ctx.t("staff.bc_when_now")
    return ctx.t(
        "staff.bc_when_at", at=announcements.local(datetime.fromisoformat(data["send_at"]))
    )


def _text_line(ctx: Context, data: dict, lang: str) -> str:
    text = data.get(f"text_{lang}")
    if text:
        return f"{lang.upper()}: {text}"
    other = "en" if lang == "fr" else "fr"
    return ctx.t("staff.bc_fallback", lang=lang.upper(), other=other.upper())


async def _preview(ctx: Context, data: dict) -> Reply:
    audience = Audience.from_canonical(data["segment"])
    shown = await announcements.preview(
        ctx.session, data.get("text_fr"), data.get("text_en"), audience
    )
    lines = [
        ctx.t("staff.bc_preview_title"),
        _text_line(ctx, data, "fr"),
        _text_line(ctx, data, "en"),
        ctx.t("staff.bc_preview_segment", segment=data["segment"]),
        ctx.t("staff.bc_preview_when", when=when_text(ctx, data)),
        *audience_lines(ctx, shown),
    ]
    return Reply("\n".join(lines), confirm_options(ctx))


def audience_lines(ctx: Context, shown: Preview) -> list[str]:
    """A preview's audience: how many people, by language and channel, and the SMS cost (the
    broadcasts' and the polls' previews alike)."""
    lines = [ctx.t("staff.bc_preview_total", n=shown.total)]
    lines += [
        f"- {lang} · {channel}: {n}"
        for (lang, channel), n in sorted(shown.by_language_channel.items())
    ]
    for cost in shown.sms:
        lines.append(
            ctx.t(
                "staff.bc_preview_sms",
                lang=cost.language.upper(),
                encoding=cost.encoding,
                segments=cost.segments,
                recipients=cost.recipients,
                total=cost.total_segments,
            )
        )
    return lines


def confirm_options(ctx: Context) -> tuple[Option, ...]:
    return (ctx.option("staff.bc_confirm", SEND), ctx.option("staff.bc_discard", DISCARD))


def decision(ctx: Context) -> str | None:
    """What the staff said to a preview: "send", "discard", or None (show it again)."""
    words = _words(ctx.text)
    locales = ctx.knowledge.locales
    if words in DISCARD_WORDS or says(locales, words, "no"):
        return "discard"
    if words in SEND_WORDS or says(locales, words, "yes"):
        return "send"
    return None


async def _confirm(ctx: Context, data: dict) -> list[Reply]:
    said = decision(ctx)
    if said == "discard":
        await ctx.end_flow()
        return [Reply(ctx.t("staff.bc_discarded"))]
    if said is None:
        return [await _preview(ctx, data)]
    send_at = datetime.fromisoformat(data["send_at"])
    created, shown = await announcements.create(
        ctx.session,
        text_fr=data.get("text_fr"),
        text_en=data.get("text_en"),
        audience=Audience.from_canonical(data["segment"]),
        send_at=ctx.now if data.get("now") else send_at,
        actor=await actor(ctx),
        now=ctx.now,
    )
    await ctx.end_flow()
    return [
        Reply(
            ctx.t(
                "staff.bc_created",
                id=created.id,
                when=when_text(ctx, data),
                n=shown.total,
            )
        )
    ]


async def listing(ctx: Context) -> list[Reply] | None:
    """/broadcasts: the latest broadcasts with their progress; scheduled ones can be cancelled."""
    if not ctx.is_staff(admin=True):
        return None
    found = await broadcasts.listing(ctx.session, LIST_LIMIT)
    if not found:
        return [Reply(ctx.t("staff.bc_none"))]
    lines, options = [ctx.t("staff.bc_list_title")], []
    for broadcast, progress in found:
        lines.append(
            ctx.t(
                "staff.bc_list_line",
                id=broadcast.id,
                status=ctx.t(f"staff.bc_status_{broadcast.status}"),
                at=announcements.local(broadcast.send_at),
                segment=broadcast.segment,
                recipients=broadcast.recipients if broadcast.recipients is not None else "-",
                queued=progress.queued,
                sent=progress.sent,
                delivered=progress.delivered,
                failed=progress.failed,
            )
        )
        if broadcast.status in broadcasts.CANCELLABLE:
            label = ctx.t("staff.bc_cancel_button", id=broadcast.id)
            options.append(Option(label, f"/cancel_broadcast {broadcast.id}"))
    return [Reply("\n".join(lines), tuple(options))]


async def cancel(ctx: Context) -> list[Reply] | None:
    """/cancel_broadcast ID: cancel a scheduled or queued broadcast (admins)."""
    if not ctx.is_staff(admin=True):
        return None
    if not ctx.args.strip().lstrip("#").isdigit():
        return [Reply(ctx.t("staff.bc_cancel_usage"))]
    broadcast_id = int(ctx.args.strip().lstrip("#"))
    broadcast, why = await broadcasts.cancel(ctx.session, broadcast_id, await actor(ctx), ctx.now)
    if why == "not_found":
        return [Reply(ctx.t("staff.bc_not_found", id=broadcast_id))]
    if why is not None and broadcast is not None:
        status = ctx.t(f"staff.bc_status_{broadcast.status}")
        return [Reply(ctx.t("staff.bc_cannot_cancel", id=broadcast_id, status=status))]
    return [Reply(ctx.t("staff.bc_cancelled", id=broadcast_id))]


TELEGRAM = ("telegram",)
KEYWORDS = [
    Keyword(("broadcast", "annonce"), start, channels=TELEGRAM),
    Keyword(("broadcasts", "annonces"), listing, channels=TELEGRAM),
    Keyword(
        ("cancel_broadcast", "annuler_annonce"), cancel, takes_argument=True, channels=TELEGRAM
    ),
]
FLOWS = {FLOW: step}
BEFORE = [draft]
