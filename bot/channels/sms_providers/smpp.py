"""A short code through an operator or aggregator, over SMPP 3.4, with `aiosmpplib`.

The ESME (aiosmpplib.ESME) binds as a transceiver, keeps the link up with enquire_link, and
reconnects with an exponential backoff; we plug into it only through its documented extension
points: a broker (the queue of PDUs to send), a hook (what was sent and received), a rate
limiter and a retry timer.

- Out: `send` puts one submit_sm on the queue and waits for its submit_sm_resp. A text that
  does not fit one SMS is split into concatenated parts (UDH) by the library; GSM-7 texts go
  with data_coding 0, others in UCS-2 (8). At most SMPP_WINDOW messages await their response
  at once, and PDUs leave at SMPP_TPS a second at most. ESME_RTHROTTLED (or a full queue at
  the SMSC) asks the dispatcher to pause this lane and try the message again.
- A concatenated message is several submit_sm, each answered on its own. A throttled part is
  sent again on its own, with the same user data header (reference, part number, total), so
  the handset still puts the message together; other parts are not repeated (as Kannel
  re-queues a part that failed temporarily). A part refused for any other reason fails the
  whole message with that reason (`failed`, not retried: its accepted parts would arrive
  twice); it is never reported `unknown`, since every part was answered.
- A dropped connection: a message not yet written is withdrawn and retried (nothing lost); one
  written whose response never came may have been accepted, so it is reported uncertain and the
  outbox marks it `unknown` (nothing twice).
- In: deliver_sm from a person goes through the conversation, the replies back over SMPP;
  delivery receipts update the stored message and outbox row.
- A redelivered deliver_sm (the SMSC did not get our deliver_sm_resp in time, or the link
  dropped first) is acknowledged again but neither stored nor answered twice. SMPP 3.4 gives a
  person's message no id, so, as RapidPro's courier does for providers without one (a content
  hash kept for a few seconds), a message is known by a fingerprint of what the SMSC sent us
  (source, destination, esm_class, data_coding, the concatenation reference and total, read by
  the library from the UDH or the SAR parameters, and the text) and the time window it arrived in
  (SMPP_REDELIVERY_SECONDS, 60 s: SMSCs retry after their response timer, tens of seconds).
  That key is the message's provider id, so the same unique index as every channel's
  provider ids (uq_messages_provider) refuses a second copy; two equal texts further apart
  than the window are two messages.

aiosmpplib logs whole PDUs (numbers, texts) at its debug and error levels: its own logger is
kept at CRITICAL, and this module says what matters, without numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import struct
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiosmpplib import (
    ESME,
    NPI,
    TON,
    AbstractBroker,
    AbstractHook,
    AbstractRateLimiter,
    BindMode,
    BindTransceiver,
    DeliverSm,
    PhoneNumber,
    SmppCommandStatus,
    SmppMessage,
    SubmitSm,
)
from aiosmpplib.correlator import SimpleCorrelator
from aiosmpplib.retrytimer import SimpleExponentialBackoff
from starlette.requests import Request
from starlette.responses import Response

from bot.channels.base import SendResult
from bot.channels.sms import CHANNEL, DeliveryReport, WebhookRejected, sendable, sms_address
from bot.conversation import Outgoing
from bot.dispatcher import Pacer
from bot.settings import Settings
from handlers.vocabulary import Inbound
from knowledge.addresses import AddressError
from storage import messages

if TYPE_CHECKING:
    from bot.channels.sms import SmsChannel

logger = logging.getLogger(__name__)

NAME = "smpp"
ID_PREFIX = "smpp:"
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
UDHI = 0b01000000  # esm_class: the short message starts with a user data header (concatenation)
RESPONSE_TIMEOUT = 30.0  # seconds for a submit_sm_resp before the message counts as uncertain
BIND_WAIT = 5.0  # seconds a send waits for the session to be bound before giving up (retried)
THROTTLE_PAUSE = 1.0  # seconds the lane pauses when the SMSC says it is throttling us
PART_RETRIES = 3  # times one throttled part of a concatenated message is sent again
WATCH_SECONDS = 0.2  # how often the session's state is looked at (to fail written sends fast)
THROTTLED = frozenset({SmppCommandStatus.ESME_RTHROTTLED, SmppCommandStatus.ESME_RMSGQFUL})
# Errors about the destination: retrying cannot help.
PERMANENT = frozenset(
    {
        SmppCommandStatus.ESME_RINVDSTADR,
        SmppCommandStatus.ESME_RINVMSGLEN,
        SmppCommandStatus.ESME_RINVDSTTON,
        SmppCommandStatus.ESME_RINVDSTNPI,
    }
)
# Delivery receipts' `stat` -> our statuses (storage/delivery.py); others are ignored.
RECEIPT_STATUSES = {
    "DELIVRD": "delivered",
    "ACCEPTD": "sent",
    "ENROUTE": "sent",
    "UNDELIV": "undelivered",
    "EXPIRED": "undelivered",
    "REJECTD": "failed",
    "DELETED": "failed",
}


@dataclass
class _Pending:
    answer: asyncio.Future  # set once every part is answered: [(command_status, message_id)]
    written: bool = False  # a PDU went to the socket: it may have reached the SMSC
    parts: int = 1  # submit_sm PDUs the library made of it (concatenated parts)
    connection: int = 0  # the connection it was written on
    answers: dict[int, tuple[int, str]] = field(default_factory=dict)  # by part number
    # Each part as written (the library's SubmitSm and its encoded short_message, UDH
    # included): what a throttled part is sent again as.
    written_parts: dict[int, tuple[SubmitSm, bytes]] = field(default_factory=dict)
    retries: int = 0


class _Broker(AbstractBroker):
    """The ESME's queue of PDUs to send; a message withdrawn before it is written is skipped."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[SmppMessage] = asyncio.Queue()
        self.withdrawn: set[str] = set()

    async def enqueue(self, message: SmppMessage) -> None:
        await self.queue.put(message)

    async def dequeue(self) -> SmppMessage:
        while True:
            message = await self.queue.get()
            log_id = getattr(message, "log_id", "")
            if log_id and log_id in self.withdrawn:
                self.withdrawn.discard(log_id)
                continue
            return message


class _Hook(AbstractHook):
    def __init__(self, provider: SmppSms) -> None:
        self.provider = provider

    async def sending(self, smpp_message: SmppMessage, pdu: bytes, client_id: str) -> None:
        if isinstance(smpp_message, BindTransceiver):
            self.provider._new_connection()
        elif isinstance(smpp_message, SubmitSm) and not isinstance(smpp_message, DeliverSm):
            self.provider._written(smpp_message, pdu)

    async def received(self, smpp_message: SmppMessage | None, pdu: bytes, client_id: str) -> None:
        # Each part's submit_sm_resp read from the raw PDU: the library hands over only one
        # answer per message (the last part's, or the first's when it comes back before the
        # next part is even sent), and a message is sent only once every part is accepted.
        length, command, status, sequence = struct.unpack_from("!IIII", pdu)
        if command == SUBMIT_SM_RESP:
            message_id = pdu[16:length].split(b"\0", 1)[0].decode("ascii", "replace")
            self.provider._answered(sequence, status, message_id)
        elif command == DELIVER_SM:
            # Receipts read from the PDU too: the library holds back a concatenated message's
            # receipts until every part has one, and then hands over the last part's, while we
            # know the message by its first part's id. A person's concatenated SMS is taken
            # whole, as the library puts it back together.
            with contextlib.suppress(ValueError):
                raw = DeliverSm.from_pdu(pdu, SmppMessage.parse_header(pdu[:16]))
                if isinstance(raw, DeliverSm) and raw.is_receipt():
                    self.provider._received(raw)
                    return
            if isinstance(smpp_message, DeliverSm) and not smpp_message.is_receipt():
                self.provider._received(smpp_message)

    async def send_error(
        self, smpp_message: SmppMessage, error: Exception, client_id: str
    ) -> None:
        self.provider._not_sent(getattr(smpp_message, "log_id", ""), error)


class _Correlator(SimpleCorrelator):
    """The library's correlator, without its store of sent messages for receipts: we read
    receipts ourselves (by the SMSC's message id), and that store, kept three days and walked
    on every submit_sm, made a 10,000-message broadcast slow down quadratically."""

    async def put_delivery(self, smsc_message_id: str, submit_sm: SubmitSm) -> None:
        return None


class _Paced(AbstractRateLimiter):
    """PDUs a second to this SMSC (SMPP_TPS), spaced evenly: the dispatcher's own pacer."""

    def __init__(self, tps: float) -> None:
        self.pacer = Pacer(tps)

    async def limit(self) -> None:
        await self.pacer.acquire()


@dataclass
class _Tasks:
    running: set[asyncio.Task] = field(default_factory=set)

    def spawn(self, coro, name: str) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(coro, name=name)
        self.running.add(task)
        task.add_done_callback(self.running.discard)


class SmppSms:
    """The SMPP provider: an `SmsProvider` (no webhook: the session carries everything) and a
    `Sender` of the SMS channel."""

    name = NAME
    provider = name  # outbox rows it sends record it (stats per provider)
    channel = CHANNEL
    inbound_path = None
    status_path = None
    replies_in_response = False

    def __init__(self, settings: Settings) -> None:
        self.host, self.port = settings.smpp_host, settings.smpp_port
        self.system_id = settings.smpp_system_id
        self._password = settings.smpp_password
        self.system_type = settings.smpp_system_type
        self.source = settings.smpp_source_addr
        self.tps = settings.smpp_tps
        self.window = max(1, settings.smpp_window)
        self.enquire_link = settings.smpp_enquire_link_seconds
        self.region = settings.default_region
        self.reconnect_ms = 1000  # first reconnection delay; doubles up to 64 times that
        self.redelivery = timedelta(seconds=max(0.001, settings.smpp_redelivery_seconds))
        # fingerprint -> (provider id, first seen): a redelivery racing the first delivery's
        # turn, before that one is stored, gets its id too (then the unique index decides).
        self._seen: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self.response_timeout = RESPONSE_TIMEOUT
        self.throttle_pause = THROTTLE_PAUSE
        self.esme: ESME | None = None
        self.broker = _Broker()
        self._channel: SmsChannel | None = None
        self._pending: dict[str, _Pending] = {}
        # submit_sm sequence number -> (our log id, part number)
        self._by_sequence: dict[int, tuple[str, int]] = {}
        self._slots = asyncio.Semaphore(self.window)
        self._tasks = _Tasks()
        self._runner: asyncio.Task | None = None
        self._connection = 0  # counts binds: which connection a message was written on

    # -- the session ------------------------------------------------------------

    async def start(self, channel: SmsChannel | None = None) -> None:
        """Bind (in the background: an SMSC that is down must not stop the service)."""
        self._channel = channel
        if self._runner is not None:
            return
        source_ton = (
            TON.NATIONAL if self.source.isdigit() and len(self.source) <= 8 else TON.UNKNOWN
        )
        self.esme = ESME(
            smsc_host=self.host,
            smsc_port=self.port,
            system_id=self.system_id,
            password=self._password,
            system_type=self.system_type,
            addr_ton=source_ton,
            # Without a channel to hand them to (a `dispatch` worker), a person's SMS must not
            # come to this session: it would be acknowledged and lost. Transmitter only, then.
            bind_mode=BindMode.TRANSCEIVER if channel is not None else BindMode.TRANSMITTER,
            enquire_link_interval=float(self.enquire_link),
            log_level="CRITICAL",
            hook=_Hook(self),
            broker=self.broker,
            rate_limiter=_Paced(self.tps),
            correlator=_Correlator(self.system_id),
            retry_timer=SimpleExponentialBackoff(min_delay=self.reconnect_ms, max_increases=6),
            socket_timeout=10.0,
        )
        self._source = PhoneNumber(self.source, source_ton, NPI.UNKNOWN)
        self._runner = asyncio.create_task(self.esme.start(), name="smpp-session")
        self._tasks.spawn(self._watch(), "smpp-watch")

    async def close(self) -> None:
        for task in list(self._tasks.running):  # first: the unbind is no "connection lost"
            task.cancel()
        if self.esme is not None and self._runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.esme.stop(), 5)
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
        for task in list(self._tasks.running):
            task.cancel()
        self._runner = None

    @property
    def bound(self) -> bool:
        esme = self.esme
        return esme is not None and esme.session_state == esme.bind_mode.session_state

    async def _watch(self) -> None:
        """Say when the session binds or drops (for the log; the session itself reconnects)."""
        was = False
        while True:
            now = self.bound
            if now and not was:
                logger.info("smpp: bound to the SMSC as a %s", self.esme.bind_mode.description)
            elif was and not now:
                logger.warning("smpp: connection to the SMSC lost; reconnecting")
            was = now
            await asyncio.sleep(WATCH_SECONDS)

    def _new_connection(self) -> None:
        """A bind is being sent: a new connection. Messages written on an earlier one and still
        unanswered will never be answered: they may have been accepted (uncertain)."""
        self._connection += 1
        lost = [
            p
            for p in self._pending.values()
            if p.written and p.connection < self._connection and not p.answer.done()
        ]
        if lost:
            logger.warning("smpp: %d messages unanswered when the connection dropped", len(lost))
        for pending in lost:
            pending.answer.set_exception(ConnectionError("connection lost"))
        self._by_sequence.clear()  # sequence numbers of a dead connection

    # -- sending ------------------------------------------------------------

    async def send(self, address: str, text: str) -> SendResult:
        checked = sendable(address, text)
        if isinstance(checked, SendResult):
            return checked
        number, body = checked
        if self._runner is None:
            await self.start(self._channel)
        deadline = asyncio.get_running_loop().time() + BIND_WAIT
        while not self.bound:
            if asyncio.get_running_loop().time() > deadline:
                return SendResult(ok=False, error="smpp: not bound to the SMSC")
            await asyncio.sleep(WATCH_SECONDS / 4)
        async with self._slots:  # the window: messages awaiting their response at once
            return await self._submit(number[1:], body)

    async def _submit(self, number: str, body: str) -> SendResult:
        log_id = uuid.uuid4().hex
        pending = _Pending(asyncio.get_running_loop().create_future())
        self._pending[log_id] = pending
        message = SubmitSm(
            short_message=body,
            source=self._source,
            destination=PhoneNumber(number, TON.INTERNATIONAL, NPI.ISDN),
            esm_class=UDHI,  # split into concatenated parts if it does not fit one SMS
            auto_message_payload=False,
            registered_delivery=1,  # a delivery receipt, please
            log_id=log_id,
        )
        try:
            await self.broker.enqueue(message)
            answer = await asyncio.wait_for(asyncio.shield(pending.answer), self.response_timeout)
        except ValueError:
            return SendResult(
                ok=False, error="smpp: the message could not be encoded", permanent=True
            )
        except (TimeoutError, ConnectionError, OSError) as exc:
            if not pending.written:
                # Never left: take it off the queue, the dispatcher sends it again.
                self.broker.withdrawn.add(log_id)
                return SendResult(ok=False, error=f"smpp: not sent ({type(exc).__name__})")
            logger.warning("smpp: no answer to a submit_sm (%s)", type(exc).__name__)
            return SendResult(
                ok=False, error=f"smpp: no answer ({type(exc).__name__})", uncertain=True
            )
        finally:
            self._pending.pop(log_id, None)
        return _result(answer)

    def _written(self, message: SubmitSm, pdu: bytes) -> None:
        pending = self._pending.get(message.log_id)
        if pending is None:
            return
        _, part, parts = message.get_segmentation_data()
        pending.written = True
        pending.parts = parts or 1
        pending.connection = self._connection
        self._by_sequence[message.sequence_num] = (message.log_id, part or 1)
        if parts > 1:
            pending.written_parts[part] = (message, _short_message(pdu))

    def _answered(self, sequence: int, status: int, message_id: str) -> None:
        log_id, part = self._by_sequence.pop(sequence, ("", 0))
        pending = self._pending.get(log_id) if log_id else None
        if pending is None or pending.answer.done():
            return
        if (
            status in THROTTLED
            and part in pending.written_parts
            and pending.retries < PART_RETRIES * pending.parts
        ):
            pending.retries += 1
            self._tasks.spawn(self._send_part_again(log_id, part), "smpp-part-again")
            return
        pending.answers[part] = (status, message_id)
        if status != SmppCommandStatus.ESME_ROK and pending.parts > 1 and status not in THROTTLED:
            # One part refused: the message cannot arrive whole, whatever the others get.
            pending.answer.set_result([pending.answers[k] for k in sorted(pending.answers)])
        elif len(pending.answers) >= pending.parts:
            pending.answer.set_result([pending.answers[k] for k in sorted(pending.answers)])

    async def _send_part_again(self, log_id: str, part: int) -> None:
        """One throttled part, again, as it was written: the same UDH, so the handset puts
        the message together; auto_message_payload keeps the library from splitting it."""
        await asyncio.sleep(self.throttle_pause)
        pending = self._pending.get(log_id)
        if pending is None or pending.answer.done():
            return
        written, short_message = pending.written_parts[part]
        again = written.clone()
        again.auto_message_payload = True
        again.set_encoded_message(short_message)
        await self.broker.enqueue(again)

    def _not_sent(self, log_id: str, error: Exception) -> None:
        pending = self._pending.get(log_id)
        if pending is not None and not pending.answer.done():
            # ValueError: the library could not build the PDU; otherwise a transport error
            # while writing it (it may have partly left).
            pending.answer.set_exception(error if isinstance(error, OSError) else ValueError())

    # -- what the SMSC sends ----------------------------------------------------------------------

    def _received(self, message: DeliverSm) -> None:
        # Not awaited here: the library answers deliver_sm_resp after this hook, and a reply
        # sent from within it would wait for a receiver that is waiting for us.
        if message.is_receipt():
            self._tasks.spawn(self._receipt(message), "smpp-receipt")
        else:
            self._tasks.spawn(self._inbound(message), "smpp-inbound")

    async def _receipt(self, message: DeliverSm) -> None:
        receipt = message.parse_receipt()
        smsc_id = str(receipt.get("id") or "")
        status = RECEIPT_STATUSES.get(str(receipt.get("stat") or "").upper())
        if not smsc_id or self._channel is None:
            logger.info("smpp: a delivery receipt without a message id, ignored")
            return
        err = receipt.get("err")
        report = DeliveryReport(
            provider_id=ID_PREFIX + smsc_id,
            status=status,
            error_code=str(err) if err and status in ("undelivered", "failed") else None,
        )
        try:
            await self._channel.report(self, report)
        except Exception:
            logger.exception("smpp: could not record a delivery receipt")

    async def _inbound(self, message: DeliverSm) -> None:
        raw = message.source.number
        if message.source.ton == TON.INTERNATIONAL and not raw.startswith("+"):
            raw = "+" + raw
        try:
            address = sms_address(raw, self.region)
        except AddressError:
            logger.info("smpp: an SMS from a sender that is not a phone number, ignored")
            return
        if self._channel is None:
            return
        text = message.short_message or message.message_payload
        try:
            provider_id = await self._inbound_id(message, text)
            await self._channel.receive(
                self, Inbound(CHANNEL, address, text, provider_id=provider_id)
            )
        except Exception:
            logger.exception("smpp: could not handle an incoming SMS")

    async def _inbound_id(self, message: DeliverSm, text: str) -> str:
        """The provider id of a person's message: its fingerprint and the window it came in;
        a redelivery within the window gets the id its first delivery was stored under."""
        assert self._channel is not None
        now = self._channel.services.conversation.config.clock()
        since = now - self.redelivery
        while self._seen and next(iter(self._seen.values()))[1] < since:
            self._seen.popitem(last=False)
        key = inbound_fingerprint(message, text)
        seen = self._seen.get(key)
        if seen is not None:
            return seen[0]
        window = int(now.timestamp() // self.redelivery.total_seconds())
        ids = [f"{ID_PREFIX}mo:{key}:{window}", f"{ID_PREFIX}mo:{key}:{window - 1}"]
        # After a restart: the first delivery may be stored under this window's id or the
        # last one's (the window is as long as the time allowed for a redelivery).
        async with self._channel.services.db.transaction() as session:
            earlier = await messages.recent_inbound(session, CHANNEL, ids, since)
        provider_id = earlier or ids[0]
        self._seen[key] = (provider_id, now)
        return provider_id

    # -- no webhooks ------------------------------------------------------------

    async def parse_event(self, request: Request) -> Inbound | DeliveryReport | None:
        raise WebhookRejected(404, "SMPP has no webhook")

    async def parse_inbound(self, request: Request) -> Inbound:
        raise WebhookRejected(404, "SMPP has no webhook")

    async def parse_status(self, request: Request) -> DeliveryReport:
        raise WebhookRejected(404, "SMPP has no webhook")

    def respond(self, outgoing: Sequence[Outgoing]) -> Response:
        return Response(status_code=204)

    def acknowledge(self) -> Response:
        return Response(status_code=204)


def inbound_fingerprint(message: DeliverSm, text: str) -> str:
    """What tells a person's deliver_sm from another (a redelivery has the same): no
    sequence number (each PDU has its own), no time."""
    reference, _, total = message.get_segmentation_data()
    fields = (
        f"{int(message.source.ton)}:{message.source.number}",
        message.destination.number if message.destination else "",
        str(message.esm_class),
        str(message.encoding),
        f"{reference}/{total}",
        text,
    )
    return hashlib.sha256("\0".join(fields).encode("utf-8", "replace")).hexdigest()[:32]


def _result(answers: list[tuple[int, str]]) -> SendResult:
    """Every part's answer as one result; the first part's id is the message's (its receipt
    is the one recorded)."""
    statuses = [_status(code) for code, _ in answers]
    failed = [status for status in statuses if status != SmppCommandStatus.ESME_ROK]
    if not failed:
        return SendResult(ok=True, provider_id=ID_PREFIX + answers[0][1])
    name = failed[0].name if isinstance(failed[0], SmppCommandStatus) else str(failed[0])
    if len(failed) < len(statuses):
        # Some parts were accepted, one refused: the message cannot arrive whole, and sending
        # it again would repeat the accepted parts. Failed, with the SMSC's reason.
        return SendResult(ok=False, error=f"smpp {name} on a part", permanent=True)
    if all(status in THROTTLED for status in failed):
        return SendResult(ok=False, error=f"smpp {name}", retry_after=THROTTLE_PAUSE)
    return SendResult(ok=False, error=f"smpp {name}", permanent=failed[0] in PERMANENT)


def _short_message(pdu: bytes) -> bytes:
    """A submit_sm PDU's short_message field (the UDH and the encoded text of one part)."""
    at = 16
    at = pdu.index(b"\0", at) + 1 + 2  # service_type; source_addr_ton, npi
    at = pdu.index(b"\0", at) + 1 + 2  # source_addr; dest_addr_ton, npi
    at = pdu.index(b"\0", at) + 1 + 3  # destination_addr; esm_class, protocol_id, priority
    at = pdu.index(b"\0", at) + 1  # schedule_delivery_time
    at = pdu.index(b"\0", at) + 1 + 4  # validity_period; registered_delivery .. default_msg_id
    length = pdu[at]
    return pdu[at + 1 : at + 1 + length]


def _status(code: int) -> SmppCommandStatus | int:
    try:
        return SmppCommandStatus(code)
    except ValueError:
        return code
