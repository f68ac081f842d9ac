"""The SMS channel, whatever the providers: webhooks in, replies out, delivery reports.

A provider (Twilio, an Android phone with a local SIM, an SMPP short code) is a small object
behind `SmsProvider`: it checks and parses its own webhooks into the core's `Inbound`, renders
our replies into the response it expects, parses its delivery reports, and sends. The
conversation, the rendering (GSM-7, segment budget, PLUS), the storage of delivery reports and
the choice of provider per number (bot/channels/sms_routes.py) are the same for all of them,
here. A reply to a message goes back through the provider it came in on: in the webhook's
response where the provider allows it (TwiML), otherwise sent at once after the turn, and
handed to the outbox, pinned to that provider, if the provider does not answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import phonenumbers
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.base import Sender, SendResult
from bot.channels.render import renderer_for
from bot.channels.sms_lanes import lanes_for
from bot.channels.sms_render import sms_text
from bot.channels.sms_routes import SmsRoutes
from bot.conversation import Outgoing, Turn
from bot.dispatcher import REPLY_KIND
from bot.services import Services
from handlers.vocabulary import Inbound
from knowledge.addresses import AddressError, mask, tel_address
from storage import contacts, delivery, outbox
from storage.models import Contact

logger = logging.getLogger(__name__)

CHANNEL = "sms"
# A phone number as anyone writes it is short; a longer From is not parsed at all.
MAX_RAW_NUMBER = 40
# Replies put in a webhook's response: the provider has them, and queues them.
HANDED_STATUS = "queued"
# Replies sent by the channel right after the turn (providers that take none in the response).
SENDING_STATUS = "sending"


class WebhookRejected(Exception):
    """A webhook call we refuse: 403 for a bad signature, 400 for a malformed one."""

    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


@dataclass(frozen=True)
class DeliveryReport:
    """A provider's word on one outgoing message, in our vocabulary."""

    provider_id: str
    status: str | None  # queued | sending | sent | delivered | undelivered | failed; None: ignore
    error_code: str | None = None
    opted_out: bool = False  # the provider refuses to send to this person any more
    unreachable: bool = False  # the number cannot receive SMS (a landline, an unknown handset)
    message_id: int | None = None  # our stored message, when the provider echoes it back
    # The report is recent: if its message is not known yet (the provider reported faster than
    # we recorded its id), answer "try again later" rather than drop it.
    recent: bool = False


class SmsProvider(Protocol):
    """One SMS provider: its webhooks (paths, signature, fields), its responses, its API."""

    name: str  # for logs, routes (SMS_ROUTES) and the webhook paths
    channel: str  # always "sms": a provider is also the channel's `Sender`
    inbound_path: str | None  # None: no webhook (SMPP receives over its own connection)
    status_path: str | None  # None: one webhook carries messages and reports (`parse_event`)
    # True: replies go back in the webhook's response (TwiML); False: sent after the turn.
    replies_in_response: bool

    async def parse_inbound(self, request: Request) -> Inbound:
        """Check the signature FIRST, then parse; raise WebhookRejected."""
        ...

    async def parse_status(self, request: Request) -> DeliveryReport:
        """Check the signature FIRST, then parse; raise WebhookRejected."""
        ...

    async def parse_event(self, request: Request) -> Inbound | DeliveryReport | None:
        """For one-webhook providers: a message, a report, or None (an event we ignore)."""
        ...

    def respond(self, outgoing: Sequence[Outgoing]) -> Response:
        """The webhook's response that sends these replies (an empty list: no reply)."""
        ...

    def acknowledge(self) -> Response:
        """The response to a delivery report."""
        ...

    async def send(self, address: str, text: str) -> SendResult: ...

    async def start(self, channel: SmsChannel) -> None:
        """Start (connections, health checks); `channel` receives what arrives off-webhook."""
        ...

    async def close(self) -> None: ...


def sms_address(raw: str, region: str) -> str:
    """A sender's number as an address; robust to what providers and test tools send.

    Providers send E.164 (`+22376123456`), but a national format or stray spaces are read in
    `region`; a number that phonenumbers does not know (a new range, a test number) is kept
    when it is plainly international and a *possible* number of a real country code (right
    length): `+0000000000` or `+999...` is no one, and must not become a contact.
    """
    raw = raw[:MAX_RAW_NUMBER]
    try:
        return tel_address(raw, region)
    except AddressError:
        digits = "".join(ch for ch in raw if not ch.isspace() and ch not in "-.()")
        if not (digits.startswith("+") and digits[1:].isascii() and digits[1:].isdigit()):
            raise
        if 8 <= len(digits) <= 16 and _possible(digits):
            return f"tel:{digits}"
        raise


def sendable(address: str, text: str) -> tuple[str, str] | SendResult:
    """What a provider sends: the number (`+` and digits) and the SMS text (GSM-7 where it
    can be), or a permanent refusal for an address that is no phone number or an empty text."""
    scheme, _, number = address.partition(":")
    if scheme != "tel" or not number.startswith("+") or not number[1:].isdigit():
        return SendResult(ok=False, error="not a phone address", permanent=True)
    body = sms_text(text)
    if not body:
        return SendResult(ok=False, error="empty message", permanent=True)
    return number, body


def _possible(e164: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False


class SmsChannel:
    """The SMS channel as `diaspora-bot run` sees it (a `ChannelService`): every configured
    provider's webhooks, and one sender (a lane per provider when routes spread numbers)."""

    name = CHANNEL

    def __init__(
        self,
        services: Services,
        providers: SmsProvider | Sequence[SmsProvider],
        routes: SmsRoutes | None = None,
    ) -> None:
        listed = [providers] if not isinstance(providers, Sequence) else list(providers)
        self.services = services
        self.providers: dict[str, SmsProvider] = {p.name: p for p in listed}
        self.provider = listed[0]  # the first configured: what no route names goes through it
        self.sms_routes = routes or SmsRoutes([], list(self.providers))
        self.sender: Sender = lanes_for(self.providers, self.sms_routes)
        self.render = renderer_for(CHANNEL, services.settings)

    def routes(self) -> list:
        found = []
        for provider in self.providers.values():
            if provider.inbound_path is None:
                continue
            if provider.status_path is None:
                found.append(
                    Route(provider.inbound_path, self._on(self.event, provider), methods=["POST"])
                )
                continue
            found += [
                Route(provider.inbound_path, self._on(self.inbound, provider), methods=["POST"]),
                Route(provider.status_path, self._on(self.status, provider), methods=["POST"]),
            ]
        return found

    @staticmethod
    def _on(
        handler: Callable[[SmsProvider, Request], Awaitable[Response]], provider: SmsProvider
    ) -> Callable[[Request], Awaitable[Response]]:
        # A plain function, not functools.partial: Starlette takes any other callable for an
        # ASGI app.
        async def endpoint(request: Request) -> Response:
            return await handler(provider, request)

        return endpoint

    async def start(self) -> None:
        for provider in self.providers.values():
            await provider.start(self)

    async def stop(self) -> None:
        for provider in self.providers.values():
            await provider.close()

    # -- webhooks -------------------------------------------------------------------------------

    async def inbound(self, provider: SmsProvider, request: Request) -> Response:
        """A person's SMS: through the conversation, replies in the response (or right after)."""
        try:
            inbound = await provider.parse_inbound(request)
        except WebhookRejected as exc:
            return _rejected(exc, provider.name, request)
        if provider.replies_in_response:
            # The replies go back in this response: stored as handed over, in the same
            # transaction.
            turn = await self.services.conversation.handle(
                inbound, self.render, reply_status=HANDED_STATUS
            )
            return provider.respond(turn.outgoing)
        await self.receive(provider, inbound)
        return provider.respond([])

    async def status(self, provider: SmsProvider, request: Request) -> Response:
        """A delivery report: recorded on the message and the outbox row it concerns."""
        try:
            report = await provider.parse_status(request)
        except WebhookRejected as exc:
            return _rejected(exc, provider.name, request)
        await self.report(provider, report)
        return provider.acknowledge()

    async def event(self, provider: SmsProvider, request: Request) -> Response:
        """One webhook for messages and delivery reports (the Android gateway's events)."""
        try:
            event = await provider.parse_event(request)
        except WebhookRejected as exc:
            return _rejected(exc, provider.name, request)
        if isinstance(event, Inbound):
            await self.receive(provider, event)
        elif (
            isinstance(event, DeliveryReport)
            and not await self.report(provider, event)
            and event.recent
        ):
            # Reported before we recorded the id it names: the provider retries later.
            return PlainTextResponse("unknown message, try again later", status_code=503)
        return provider.acknowledge()

    # -- what arrives, from a webhook or a provider's own connection (SMPP) ---------------------

    async def receive(self, provider: SmsProvider, inbound: Inbound) -> Turn:
        """A person's SMS through the conversation; the replies sent back at once through the
        provider it came in on. A provider's retry of the same message sends only replies that
        were never handed over (none twice)."""
        # Stored as `sending` in the turn's own transaction: taken for this delivery before any
        # provider call, so a retry of the webhook (a duplicate turn) sends none of them again.
        turn = await self.services.conversation.handle(
            inbound, self.render, reply_status=SENDING_STATUS
        )
        if not turn.duplicate:
            await self._deliver(provider, inbound.address, turn)
        return turn

    async def report(self, provider: SmsProvider, report: DeliveryReport) -> bool:
        """Record a delivery report; False if no message of ours has its id."""
        if report.status is None and not report.opted_out:
            return True
        try:
            return await self._record(provider, report)
        except IntegrityError:
            # Two reports naming one new provider id for two of our messages raced to claim
            # it (the id is unique): the second one now finds the first's claim.
            return await self._record(provider, report)

    async def _record(self, provider: SmsProvider, report: DeliveryReport) -> bool:
        now = self.services.conversation.config.clock()
        async with self.services.db.transaction() as session:
            recorded = await delivery.record(
                session,
                CHANNEL,
                report.provider_id,
                report.status or "failed",
                now,
                error_code=report.error_code,
                message_id=report.message_id,
            )
            if report.opted_out:
                for contact_id in recorded.contact_ids:
                    contact = await session.get(Contact, contact_id)
                    if contact is not None and not contact.opted_out:
                        await contacts.opt_out(session, contact, now)
                        logger.info(
                            "%s: %s opted out (provider refused to send)",
                            provider.name,
                            mask(contact.address),
                        )
            if report.unreachable and recorded.contact_ids:
                # As the dispatcher does for the REST API's errors: their queued rows cancelled.
                await outbox.mark_unreachable(session, recorded.contact_ids)
                logger.info(
                    "%s: contacts %s unreachable (provider error %s)",
                    provider.name,
                    sorted(recorded.contact_ids),
                    report.error_code,
                )
        if not recorded.found:
            # Still 2xx (unless recent): the provider would retry an error, and the message may
            # be one we do not keep (sent from the console).
            logger.info("%s: delivery report for an unknown message", provider.name)
        return recorded.found

    async def _deliver(self, provider: SmsProvider, address: str, turn: Turn) -> None:
        """Send the turn's replies in order through `provider`; record each one's id or failure.

        A failure that surely did not deliver (the phone is off, a 5xx) hands this reply and
        the ones after it to the outbox, pinned to this provider; one that may have delivered
        (a read timeout) is not sent again, as in the outbox guarantee. A crash while sending
        leaves replies `sending`: never sent again on their own, as an outbox row `unknown`."""
        outgoing = [o for o in turn.outgoing if o.message_id is not None]
        if not outgoing:
            return
        outcomes: list[tuple[int, str, str | None, str | None]] = []
        retry: list[str] = []
        for index, out in enumerate(outgoing):
            assert out.message_id is not None
            result = await provider.send(address, out.text)
            if result.ok:
                outcomes.append((out.message_id, "sent", result.provider_id, None))
                continue
            if not result.permanent and not result.uncertain:
                left = outgoing[index:]
                retry = [o.text for o in left]
                outcomes += [(o.message_id, "failed", None, "handed to the outbox") for o in left]
                break
            outcomes.append((out.message_id, "failed", None, (result.error or "failed")[:32]))
        now = self.services.conversation.config.clock()
        async with self.services.db.transaction() as session:
            for message_id, status, provider_id, error in outcomes:
                await delivery.mark(
                    session, message_id, status, now, provider_id=provider_id, error_code=error
                )
            contact = (
                await session.get(Contact, turn.contact_id) if retry and turn.contact_id else None
            )
            if contact is not None:
                await outbox.enqueue(
                    session,
                    contact,
                    "\n\n".join(retry),
                    kind=REPLY_KIND,
                    source=f"reply:{turn.inbound_id}",
                    dedupe_key=f"reply:{turn.inbound_id}",
                    now=now,
                    provider=provider.name,
                )
        if retry:
            logger.warning(
                "%s: %d replies to %s handed to the outbox",
                provider.name,
                len(retry),
                mask(address),
            )


def _rejected(exc: WebhookRejected, provider: str, request: Request) -> Response:
    logger.warning(
        "%s webhook %s refused (%d): %s", provider, request.url.path, exc.status_code, exc.reason
    )
    return PlainTextResponse(exc.reason, status_code=exc.status_code)
