"""The SMS channel, whatever the provider: webhooks in, replies out, delivery reports.

A provider (Twilio now; Africa's Talking could follow, it serves Malian networks) is a small
object behind `SmsProvider`: it checks and parses its own webhooks into the core's `Inbound`,
renders our replies into the response it expects, parses its delivery reports, and sends. The
conversation, the rendering (GSM-7, segment budget, PLUS) and the storage of delivery reports
are the same for all of them, here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import phonenumbers
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.base import SendResult
from bot.channels.render import renderer_for
from bot.conversation import Outgoing
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


class SmsProvider(Protocol):
    """One SMS provider: its webhooks (paths, signature, fields), its responses, its API."""

    name: str  # for logs and the webhook paths
    channel: str  # always "sms": a provider is also the channel's `Sender`
    inbound_path: str
    status_path: str

    async def parse_inbound(self, request: Request) -> Inbound:
        """Check the signature FIRST, then parse; raise WebhookRejected."""
        ...

    async def parse_status(self, request: Request) -> DeliveryReport:
        """Check the signature FIRST, then parse; raise WebhookRejected."""
        ...

    def respond(self, outgoing: Sequence[Outgoing]) -> Response:
        """The webhook's response that sends these replies (an empty list: no reply)."""
        ...

    def acknowledge(self) -> Response:
        """The response to a delivery report."""
        ...

    async def send(self, address: str, text: str) -> SendResult: ...

    async def start(self) -> None: ...

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


def _possible(e164: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False


class SmsChannel:
    """The SMS channel as `diaspora-bot run` sees it (a `ChannelService`)."""

    name = CHANNEL

    def __init__(self, services: Services, provider: SmsProvider) -> None:
        self.services = services
        self.provider = provider
        self.sender = provider
        self.render = renderer_for(CHANNEL, services.settings)

    def routes(self) -> list:
        return [
            Route(self.provider.inbound_path, self.inbound, methods=["POST"]),
            Route(self.provider.status_path, self.status, methods=["POST"]),
        ]

    async def start(self) -> None:
        await self.provider.start()

    async def stop(self) -> None:
        await self.provider.close()

    async def inbound(self, request: Request) -> Response:
        """A person's SMS: through the conversation, replies in the response."""
        try:
            inbound = await self.provider.parse_inbound(request)
        except WebhookRejected as exc:
            return _rejected(exc, self.provider.name, request)
        # The replies go back in this response: stored as handed over, in the same transaction.
        turn = await self.services.conversation.handle(
            inbound, self.render, reply_status=HANDED_STATUS
        )
        return self.provider.respond(turn.outgoing)

    async def status(self, request: Request) -> Response:
        """A delivery report: recorded on the message and the outbox row it concerns."""
        try:
            report = await self.provider.parse_status(request)
        except WebhookRejected as exc:
            return _rejected(exc, self.provider.name, request)
        if report.status is None and not report.opted_out:
            return self.provider.acknowledge()
        try:
            await self._record(report)
        except IntegrityError:
            # Two reports naming one new provider id for two of our messages raced to claim
            # it (the id is unique): the second one now finds the first's claim.
            await self._record(report)
        return self.provider.acknowledge()

    async def _record(self, report: DeliveryReport) -> None:
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
                            self.provider.name,
                            mask(contact.address),
                        )
            if report.unreachable and recorded.contact_ids:
                # As the dispatcher does for the REST API's errors: their queued rows cancelled.
                await outbox.mark_unreachable(session, recorded.contact_ids)
                logger.info(
                    "%s: contacts %s unreachable (provider error %s)",
                    self.provider.name,
                    sorted(recorded.contact_ids),
                    report.error_code,
                )
        if not recorded.found:
            # Still 2xx: the provider would retry an error, and the message may be one we do
            # not keep (sent from the console) or one whose sender has not recorded its id yet.
            logger.info("%s: delivery report for an unknown message", self.provider.name)


def _rejected(exc: WebhookRejected, provider: str, request: Request) -> Response:
    logger.warning(
        "%s webhook %s refused (%d): %s", provider, request.url.path, exc.status_code, exc.reason
    )
    return PlainTextResponse(exc.reason, status_code=exc.status_code)
