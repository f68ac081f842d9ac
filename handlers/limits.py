"""Cost limits: what one sender may cost us (every SMS reply is paid, every staff notice is read).

Checked on every inbound message, before the router (bot/conversation.py), from what the message
log already holds: no counter in memory, so limits hold across processes and restarts.

- **Inbound messages per minute** (`inbound_per_minute`): over it, one polite notice, then the
  messages are stored (nothing is lost: staff can read them) but not answered until the minute
  has passed.
- **Replies per hour** (`replies_per_hour`): over it, messages are stored unanswered.
- **Loop breaker** for automatic senders on SMS (an auto-responder answering our replies, a
  gateway echoing): the same text of 8 letters or more `loop_repeats` times in a row, or
  `loop_fast_replies` messages in a row each arriving sooner after our reply than a person could
  read and type it (2 s plus 0.15 s a character: a fast thumb types about 7 characters a
  second). Stored, unanswered; after a fast loop, so is whatever follows within `loop_window`
  (10 minutes). Not on Telegram: bots cannot write to bots there.
- **Family invitations** (FAMILLE): per inviting person per day, and per invited number ever.
- **Ticket follow-ups**: one staff notice per ticket per `ticket_notice_minutes`; follow-ups
  written meanwhile join the notice still waiting in the outbox.

Staff (Telegram ids in STAFF_*), and the staff group, are never limited. Every hit is recorded on
the inbound message that hit it; `diaspora-bot stats` lists who hit which limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from knowledge.text import fold
from storage import usage

if TYPE_CHECKING:
    from handlers.context import Context

INBOUND_MINUTE = "inbound_minute"
REPLIES_HOUR = "replies_hour"
LOOP_REPEAT = "loop_repeat"
LOOP_FAST = "loop_fast"
FAMILY_DAY = "family_day"
FAMILY_NUMBER = "family_number"
TICKET_BATCHED = "ticket_batched"

# The same-text rule ignores short texts: a person may well send "1", "OUI" or "MENU" five times
# running; an auto-responder's text is a sentence.
MIN_LOOP_TEXT = 8
TYPING_BASE_SECONDS = 2.0
TYPING_SECONDS_PER_CHAR = 0.15


@dataclass(frozen=True)
class CostLimits:
    """The defaults are the service's (bot/settings.py reads them from the environment); 0
    turns a limit off. `HandlerConfig` alone has them all off (OFF): a library default."""

    inbound_per_minute: int = 10
    replies_per_hour: int = 60
    loop_repeats: int = 5
    loop_fast_replies: int = 6
    loop_window: timedelta = timedelta(minutes=10)
    family_invitations_per_day: int = 3
    family_invitations_per_number: int = 2
    ticket_notice_minutes: float = 5.0


OFF = CostLimits(0, 0, 0, 0, timedelta(0), 0, 0, 0.0)


@dataclass(frozen=True)
class Verdict:
    name: str  # which limit
    notice: bool  # True: answer with the one polite notice; False: store, do not answer


def _typing_seconds(text: str) -> float:
    return TYPING_BASE_SECONDS + TYPING_SECONDS_PER_CHAR * len(text)


async def check_inbound(ctx: Context, inbound_id: int) -> Verdict | None:
    """The limit this message hits, if any (it is already stored, as `inbound_id`)."""
    limits = ctx.config.limits
    if ctx.is_new or ctx.contact.staff_chat or ctx.is_staff():
        return None
    now = ctx.now
    depth = 2 * (max(limits.inbound_per_minute, limits.loop_repeats, limits.loop_fast_replies) + 2)
    since = now - max(limits.loop_window, timedelta(minutes=1))
    recent = await usage.recent(ctx.session, ctx.contact.id, since, depth)
    verdict = _verdict(recent, now, limits, count_speed=ctx.inbound.channel == "sms")
    if verdict is None and limits.replies_per_hour:
        hour_ago = now - timedelta(hours=1)
        if await usage.replies_since(ctx.session, ctx.contact.id, hour_ago) >= (
            limits.replies_per_hour
        ):
            verdict = Verdict(REPLIES_HOUR, notice=False)
    if verdict is not None:
        await usage.mark_limited(ctx.session, inbound_id, verdict.name, answered=verdict.notice)
    return verdict


def _verdict(
    recent: list[usage.Recent], now: datetime, limits: CostLimits, *, count_speed: bool
) -> Verdict | None:
    """`recent`: newest first, the current message included. `count_speed`: the loop rules
    apply to SMS only: on Telegram bots cannot write to bots, and a person presses the same
    button (MENU) again and again, fast, by design."""
    inbound = [m for m in recent if m.direction == "in"]
    minute = sum(1 for m in inbound if m.created_at > now - timedelta(minutes=1))
    if limits.inbound_per_minute and minute > limits.inbound_per_minute:
        return Verdict(INBOUND_MINUTE, notice=minute == limits.inbound_per_minute + 1)
    if not count_speed:
        return None
    if inbound and limits.loop_repeats > 1 and len(fold(inbound[0].text)) >= MIN_LOOP_TEXT:
        same = fold(inbound[0].text)
        repeats = 0
        for message in inbound:
            if fold(message.text) != same:
                break
            repeats += 1
        if repeats >= limits.loop_repeats:
            return Verdict(LOOP_REPEAT, notice=False)
    if len(inbound) > 1 and inbound[1].error_code == usage.LIMIT_PREFIX + LOOP_FAST:
        # A loop stays broken while it goes on: with no reply of ours to answer, the next
        # message would otherwise look slow again and restart it.
        return Verdict(LOOP_FAST, notice=False)
    if not limits.loop_fast_replies:
        return None
    fast = 0
    for index, message in enumerate(recent):
        if message.direction != "in":
            continue
        reply = next((m for m in recent[index + 1 :] if m.direction == "out"), None)
        gap = (message.created_at - reply.created_at).total_seconds() if reply else None
        if gap is None or gap >= _typing_seconds(message.text):
            break
        fast += 1
    if fast >= limits.loop_fast_replies:
        return Verdict(LOOP_FAST, notice=False)
    return None


async def family_refusal(ctx: Context, address: str) -> str | None:
    """The locale key explaining why this invitation is refused, or None to go ahead."""
    limits = ctx.config.limits
    if ctx.is_staff():
        return None
    day_ago = ctx.now - timedelta(days=1)
    if limits.family_invitations_per_day and await usage.invitations_by(
        ctx.session, ctx.contact.id, day_ago
    ) >= (limits.family_invitations_per_day):
        await usage.mark_latest_inbound(ctx.session, ctx.contact.id, FAMILY_DAY)
        return "limits.family_day"
    per_number = limits.family_invitations_per_number
    if per_number and await usage.invitations_to(ctx.session, address) >= per_number:
        await usage.mark_latest_inbound(ctx.session, ctx.contact.id, FAMILY_NUMBER)
        return "limits.family_number"
    return None


async def batched_notice(ctx: Context, source: str, kind: str, line: str) -> tuple[bool, datetime]:
    """A follow-up notice about `source` (a ticket): (True, _) if `line` joined the notice still
    waiting in the outbox; else (False, when a new notice may go: at once, or once the last one
    is `ticket_notice_minutes` old)."""
    window = timedelta(minutes=ctx.config.limits.ticket_notice_minutes)
    if not window:
        return False, ctx.now
    queued = await usage.queued_notice(ctx.session, source, kind)
    if queued is not None and await usage.append_to_queued(ctx.session, queued.id, line):
        return True, ctx.now
    last = await usage.last_notice_at(ctx.session, source, kind)
    return False, max(ctx.now, last + window) if last is not None else ctx.now
