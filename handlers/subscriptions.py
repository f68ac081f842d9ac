"""Awareness subscriptions: the one-time offer, ABONNER / SUBSCRIBE, the status, and family
enrolment (a Telegram or console user invites a relative's phone number; the relative decides).

STOP (handlers/basics.py) ends a subscription like every other bulk message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers import limits
from handlers.context import Context, MenuItem
from handlers.router import Keyword, Route
from handlers.vocabulary import Option, Reply
from knowledge.addresses import AddressError, phone_to_e164
from knowledge.awareness import series
from knowledge.text import fold
from storage import contacts, subscriptions
from storage.models import Invitation
from storage.outbox import enqueue

STATUS_VALUE = "MON ABONNEMENT"
FAMILY_FLOW = "family"
INVITATION_EVERY = timedelta(days=30)  # at most one invitation per number in this time
YES_WORDS = ("oui", "yes", "ok", "d accord", "o", "y")
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _total() -> int:
    return len(series())


def _received(ctx: Context) -> int:
    return min(_total(), max(0, ctx.contact.awareness_next - 1))


def _status_options(ctx: Context, subscribed: bool) -> tuple[Option, ...]:
    options = () if subscribed else (ctx.option("subscriptions.option_subscribe", "ABONNER"),)
    if ctx.channel in ("telegram", "console"):
        options += (ctx.option("subscriptions.option_family", "FAMILLE"),)
    return options


async def subscribe(ctx: Context) -> list[Reply]:
    """Subscribe to the weekly awareness messages (also after a STOP: asking is opting in)."""
    contact = ctx.contact
    if contact.subscribed and not contact.opted_out and contact.consent != "pending":
        return [
            Reply(
                ctx.t("subscriptions.already", received=_received(ctx), total=_total()),
                _status_options(ctx, True),
            )
        ]
    if contact.opted_out:
        contacts.opt_in(contact)
    if contact.consent == "pending":
        await _accept_invitation(ctx)
    contact.unreachable = False  # they just wrote to us
    subscriptions.subscribe(contact, ctx.now)
    return [Reply(ctx.t("subscriptions.subscribed", total=_total()), _status_options(ctx, True))]


async def status(ctx: Context) -> list[Reply]:
    """Say whether the person is subscribed and how far into the series they are."""
    contact = ctx.contact
    if contact.opted_out:
        return [Reply(ctx.t("subscriptions.status_stopped"), _status_options(ctx, False))]
    if not contact.subscribed or contact.consent == "pending":
        return [Reply(ctx.t("subscriptions.status_off"), _status_options(ctx, False))]
    if _received(ctx) >= _total():
        return [Reply(ctx.t("subscriptions.status_done", total=_total()))]
    text = ctx.t("subscriptions.status_on", received=_received(ctx), total=_total())
    return [Reply(text, _status_options(ctx, True))]


# -- family enrolment ---------------------------------------------------------------------------


async def family(ctx: Context) -> list[Reply]:
    """Start enrolling a relative: ask for their number, saying that they will decide."""
    await ctx.start_flow(FAMILY_FLOW, "number")
    return [
        Reply(
            ctx.t("subscriptions.family.ask"),
            (ctx.option("subscriptions.family.option_cancel", "ANNULER"),),
        )
    ]


async def family_step(ctx: Context) -> list[Reply] | None:
    """The family flow: the number, then the confirmation."""
    assert ctx.flow is not None
    if ctx.flow.step == "number":
        region = ctx.contact.country or ctx.config.default_region
        try:
            number = phone_to_e164(ctx.text, region)
        except AddressError:
            cancel = ctx.option("subscriptions.family.option_cancel", "ANNULER")
            return [Reply(ctx.t("subscriptions.family.bad_number"), (cancel,))]
        await ctx.set_step("confirm", {"number": number})
        return [
            Reply(
                ctx.t("subscriptions.family.confirm", number=number),
                (
                    ctx.option("subscriptions.family.option_confirm", "OUI"),
                    ctx.option("subscriptions.family.option_cancel", "ANNULER"),
                ),
            )
        ]
    if fold(ctx.text) not in YES_WORDS:
        await ctx.end_flow()
        return [ctx.menu(ctx.t("flow.cancelled"))]
    number = ctx.flow.data["number"]
    await ctx.end_flow()
    refusal = await limits.family_refusal(ctx, f"tel:{number}")
    if refusal is not None:
        return [Reply(ctx.t(refusal))]
    if await invite(ctx, number):
        return [Reply(ctx.t("subscriptions.family.sent", number=number))]
    return [Reply(ctx.t("subscriptions.family.not_sent"))]


async def invite(ctx: Context, number: str) -> bool:
    """Queue ONE invitation SMS to a relative's number, unless they opted out, already receive
    the messages, or were invited in the last 30 days. The relative gets nothing else until they
    answer yes."""
    address = f"tel:{number}"
    relative = await contacts.by_address(ctx.session, address)
    if relative is not None and (
        relative.opted_out or (relative.subscribed and relative.consent != "pending")
    ):
        return False
    last = await subscriptions.last_invitation(ctx.session, address)
    if last is not None and last.sent_at > ctx.now - INVITATION_EVERY:
        return False
    if relative is None:
        relative, _ = await contacts.get_or_create(
            ctx.session, address, "sms", ctx.contact.language, ctx.now
        )
        relative.consent = "pending"
        relative.invited_by_id = ctx.contact.id
        relative.awareness_offered = True  # the invitation is their offer
    # Two people enrolling the same number at once share one row: the key is per 30 days.
    period = (ctx.now - _EPOCH).days // INVITATION_EVERY.days
    queued = await enqueue(
        ctx.session,
        relative,
        ctx.t("subscriptions.family.invitation", relative.language),
        kind="invitation",
        source=f"invitation:{ctx.contact.id}",
        dedupe_key=f"invitation:{address}:{period}",
        now=ctx.now,
    )
    if queued is None:
        return False
    ctx.session.add(
        Invitation(address=address, invited_by_id=ctx.contact.id, status="sent", sent_at=ctx.now)
    )
    return True


async def answer_invitation(ctx: Context) -> list[Reply] | None:
    """OUI / YES (or NON / NO) from an invited relative; anyone else's yes is not ours."""
    if ctx.flow is not None or ctx.contact.opted_out or not await _invited(ctx):
        return None
    if fold(ctx.text) in ("non", "no"):
        invitation = await subscriptions.last_invitation(ctx.session, ctx.contact.address)
        if invitation is not None and invitation.status == "sent":
            invitation.status, invitation.answered_at = "declined", ctx.now
        return [Reply(ctx.t("subscriptions.family.declined"))]
    await _accept_invitation(ctx)
    subscriptions.subscribe(ctx.contact, ctx.now)
    return [Reply(ctx.t("subscriptions.family.accepted"))]


async def _invited(ctx: Context) -> bool:
    if ctx.contact.consent == "pending":
        return True
    if ctx.contact.subscribed:
        return False
    # Someone who talked to us before and was then invited: their yes answers the invitation.
    since = ctx.now - INVITATION_EVERY
    return await subscriptions.open_invitation(ctx.session, ctx.contact.address, since) is not None


async def _accept_invitation(ctx: Context) -> None:
    ctx.contact.consent = "given"
    invitation = await subscriptions.last_invitation(ctx.session, ctx.contact.address)
    if invitation is not None and invitation.status == "sent":
        invitation.status, invitation.answered_at = "accepted", ctx.now


# -- the one-time offer -------------------------------------------------------------------------


async def offer(ctx: Context, replies: list[Reply], route: Route) -> list[Reply]:
    """Offer the awareness messages once, on the first turn where it fits.

    Numbered options must keep meaning what the person saw: the offer joins the menu's text
    when the menu is shown (on SMS the menu's own entry is the whole offer: no paid extra
    line), or comes as its own short reply with a Subscribe option when nothing else offered
    options; otherwise it waits for a later turn.
    """
    contact = ctx.contact
    if (
        ctx.deleted
        or contact.awareness_offered
        or contact.subscribed
        or contact.opted_out
        or contact.consent == "pending"
        or route.kind == "guard"
        or ctx.flow is not None
        or ctx.inbound.address.startswith("telegram:-")  # a group chat (staff)
        or ctx.is_staff()
    ):
        return replies
    menus = [i for i, r in enumerate(replies) if any(o.value == STATUS_VALUE for o in r.options)]
    if menus and ctx.channel == "sms":
        pass  # every segment is paid for: the menu's own entry is the offer
    elif menus:
        i = menus[-1]
        shown = replies[i]
        replies = list(replies)
        replies[i] = Reply(
            f"{shown.text}\n{ctx.t('subscriptions.offer_line')}", shown.options, shown.sms_text
        )
    elif not any(r.options for r in replies):
        option = ctx.option("subscriptions.offer_option", "ABONNER")
        replies = [
            *replies,
            Reply(ctx.t("subscriptions.offer"), (option,), ctx.t("subscriptions.offer_sms")),
        ]
    else:
        return replies
    contact.awareness_offered = True
    return replies


# Before the global keywords: "oui" means "start" to basics, but first "accept" to an invited
# relative (this handler answers None for everyone else).
FIRST_KEYWORDS = [
    Keyword(("oui", "yes", "ok", "d accord", "non", "no"), answer_invitation),
]
KEYWORDS = [
    Keyword(
        ("abonner", "s abonner", "je m abonne", "subscribe", "abonnement sms", "sabonner"),
        subscribe,
    ),
    Keyword(
        (
            "mon abonnement",
            "my subscription",
            "abonnement",
            "subscription",
            "statut",
            "status",
        ),
        status,
    ),
    Keyword(
        ("famille", "family", "inscrire un proche", "enrol a relative", "proche"),
        family,
        channels=("telegram", "console"),
    ),
]
FLOWS = {FAMILY_FLOW: family_step}
MENU = (MenuItem("subscriptions.menu", STATUS_VALUE),)
AFTER_TURN = (offer,)
