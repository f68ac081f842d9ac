"""An Android phone with a local SIM as an SMS provider: the "SMS Gateway for Android" app.

In: the app's webhook events on one path, `POST /sms/android`: `sms:received` (a person's SMS),
`sms:sent`, `sms:delivered`, `sms:failed` (our messages' progress), `system:ping`. Each request
is signed: `X-Signature` is the hex HMAC-SHA256, keyed with the app's signing key, of the raw body
followed by the `X-Timestamp` header (Unix seconds). The app retries with backoff (10 s, 20 s,
40 s...) until it gets a 2xx, and its `messageId` is built from the message's content: the same
text from the same person twice has the same id. A received message is therefore known by its
`messageId` AND `receivedAt`: a retry is stored once, two equal texts at different times are two
messages.

Out: the official client (`android_sms_gateway.AsyncAPIClient`) over its aiohttp layer, one
session for the process, against the phone itself (local mode, `http://<phone>:8080`) or the
app's cloud or private server. Its httpx layer cost seven times the CPU a send (2.1-2.7 ms
against 0.3 ms, docs/benchmarks.md), and every reply to an SMS pays it.
A phone that is switched off refuses the connection: the reply is handed to the outbox, which
retries; a request that may have reached the phone (a read timeout) is not sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import aiohttp
from android_sms_gateway import (
    AsyncAPIClient,
    HealthStatus,
    Message,
    ProcessState,
    TextMessage,
    Webhook,
    WebhookEvent,
)
from android_sms_gateway.ahttp import AiohttpAsyncHttpClient
from android_sms_gateway.errors import APIError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from bot.channels.base import SendResult
from bot.channels.sms import CHANNEL, DeliveryReport, WebhookRejected, sendable, sms_address
from bot.conversation import Outgoing
from bot.settings import Settings
from handlers.vocabulary import Inbound
from knowledge.addresses import AddressError
from storage import sms_health
from storage.db import Database
from storage.models import utcnow

logger = logging.getLogger(__name__)

NAME = "android"
WEBHOOK_PATH = "/sms/android"
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
MAX_SKEW_SECONDS = 300  # the app's docs: accept timestamps within 5 minutes
MAX_BODY_BYTES = 64 * 1024  # an SMS event is well under 2 KiB
ID_PREFIX = "android:"  # our messages' provider ids: the SMS channel's ids of several providers
# A report this young naming a message we do not know yet is answered 503: the phone reported
# before our send recorded the id, and the app's retry (10 s later) will find it.
RECENT_REPORT = timedelta(minutes=2)
# How long a send may take: connecting to a phone that is off fails fast; the app answers a
# send once the message is queued on the phone.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
# How often "heard from" is written for webhooks: the alert needs minutes, not every request.
HEARD_EVERY_SECONDS = 30.0

# The app's delivery events -> our statuses (storage/delivery.py).
REPORTS = {
    "sms:sent": "sent",
    "sms:delivered": "delivered",
    "sms:failed": "failed",
}
REPORT_TIME_FIELDS = {
    "sms:sent": "sentAt",
    "sms:delivered": "deliveredAt",
    "sms:failed": "failedAt",
}
RECEIVED = "sms:received"
PING = "system:ping"
# What `register-webhook` asks the app to send us.
EVENTS = (RECEIVED, *REPORTS, PING)


def signature(key: str, body: bytes, timestamp: str) -> str:
    """The app's signature of a webhook request (what the tests sign with, too)."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def check_signature(
    key: str, body: bytes, timestamp: str | None, given: str | None, now: float
) -> None:
    """Raise WebhookRejected(403) unless the app signed this body within 5 minutes of `now`."""
    if not given or not timestamp:
        raise WebhookRejected(403, "missing signature")
    expected = signature(key, body, timestamp)
    # Compared in constant time: an attacker must not learn the signature byte by byte.
    if not hmac.compare_digest(expected.encode(), given.strip().lower().encode("utf-8")):
        raise WebhookRejected(403, "invalid signature")
    try:
        at = int(timestamp.strip())
    except ValueError:
        raise WebhookRejected(403, "invalid timestamp") from None
    if abs(now - at) > MAX_SKEW_SECONDS:
        # A replay of a request captured earlier: signed, but not now.
        raise WebhookRejected(403, "timestamp too far from now")


def inbound_id(message_id: str, received_at: str) -> str:
    """The dedupe key of a received SMS: the app's content-built id and the time it arrived."""
    key = f"{ID_PREFIX}{message_id}@{received_at}"
    if len(key) <= 64:
        return key
    return ID_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:48]


def send_result_for(exc: APIError) -> SendResult:
    """The gateway's HTTP errors as the dispatcher sees them."""
    status = exc.status_code
    if status in (401, 403):
        # Our configuration, not the person: worth retrying once an operator fixes it.
        return SendResult(
            ok=False, error=f"android HTTP {status}: check ANDROID_SMS_USERNAME/PASSWORD"
        )
    if status is None or status in (408, 429) or status >= 500:
        return SendResult(ok=False, error=f"android HTTP {status}")
    return SendResult(ok=False, error=f"android HTTP {status}: refused", permanent=True)


class AndroidSms:
    """The Android gateway provider: an `SmsProvider` and a `Sender` of the SMS channel."""

    name = NAME
    provider = name  # outbox rows it sends record it (stats per provider)
    channel = CHANNEL
    inbound_path = WEBHOOK_PATH
    status_path = None  # one webhook for messages and reports
    replies_in_response = False  # the app takes no reply in the response: sent after the turn

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.url = settings.android_sms_url.rstrip("/")
        self.username = settings.android_sms_username
        self._password = settings.android_sms_password
        self._signing_key = settings.android_sms_signing_key
        self.sim = settings.android_sms_sim or None
        self.region = settings.default_region
        self.public_url = settings.public_url
        self.health_every = settings.android_sms_health_seconds
        self.silent_after = timedelta(minutes=settings.android_sms_silent_minutes)
        self.db = db
        self.clock = utcnow
        self._http: aiohttp.ClientSession | None = None
        self._client: AsyncAPIClient | None = None
        self._health_task: asyncio.Task | None = None
        self._heard_written = 0.0
        self._alerted = False

    # -- webhook ------------------------------------------------------------

    async def parse_event(self, request: Request) -> Inbound | DeliveryReport | None:
        if not self._signing_key:
            # Without a key nothing can be checked: refuse everything rather than trust it.
            raise WebhookRejected(403, "ANDROID_SMS_SIGNING_KEY is not set")
        body = await _body(request)
        check_signature(
            self._signing_key,
            body,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            time.time(),
        )
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), dict):
            raise WebhookRejected(400, "no event payload")
        event, payload = envelope.get("event"), envelope["payload"]
        await self._heard()
        if event == RECEIVED:
            return self._received(payload)
        if event in REPORTS:
            return self._report(str(event), payload)
        if event != PING:
            # A 2xx all the same: the app would retry an error for two days, to no use.
            logger.info("android: event %.40r ignored", event)
        return None

    def _received(self, payload: dict) -> Inbound | None:
        fields = {name: payload.get(name) for name in ("messageId", "phoneNumber", "receivedAt")}
        text = payload.get("message")
        if not all(isinstance(v, str) and v for v in fields.values()) or not isinstance(text, str):
            raise WebhookRejected(
                400, "sms:received needs messageId, phoneNumber, message, receivedAt"
            )
        try:
            address = sms_address(fields["phoneNumber"], self.region)  # type: ignore[arg-type]
        except AddressError:
            # An operator's named sender ("OrangeMoney") or a service number: nobody to answer,
            # and an error would only make the app retry it for two days.
            logger.info("android: an SMS from a sender that is not a phone number, ignored")
            return None
        return Inbound(
            CHANNEL,
            address,
            text,
            provider_id=inbound_id(fields["messageId"], fields["receivedAt"]),  # type: ignore[arg-type]
        )

    def _report(self, event: str, payload: dict) -> DeliveryReport:
        message_id = payload.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise WebhookRejected(400, f"{event} needs messageId")
        reason = payload.get("reason")
        at = _when(payload.get(REPORT_TIME_FIELDS[event]))
        return DeliveryReport(
            provider_id=ID_PREFIX + message_id,
            status=REPORTS[event],
            error_code=str(reason)[:32] if reason else None,
            recent=at is not None and abs(self.clock() - at) < RECENT_REPORT,
        )

    async def parse_inbound(self, request: Request) -> Inbound:
        raise WebhookRejected(404, "the Android gateway posts events to one path")

    async def parse_status(self, request: Request) -> DeliveryReport:
        raise WebhookRejected(404, "the Android gateway posts events to one path")

    def respond(self, outgoing: Sequence[Outgoing]) -> Response:
        return self.acknowledge()

    def acknowledge(self) -> Response:
        return JSONResponse({"ok": True})

    # -- sending ------------------------------------------------------------

    def _ensure_client(self) -> AsyncAPIClient:
        if self._client is None:
            # sock_read, not total: a phone that accepted the connection but stalls is a read
            # timeout (it may have queued the SMS), told apart from one that never answered.
            timeout = aiohttp.ClientTimeout(
                total=None, connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT
            )
            self._http = aiohttp.ClientSession(timeout=timeout)
            self._client = AsyncAPIClient(
                self.username or None,
                self._password,
                base_url=self.url,
                http_client=AiohttpAsyncHttpClient(self._http),
            )
        return self._client

    async def send(self, address: str, text: str) -> SendResult:
        checked = sendable(address, text)
        if isinstance(checked, SendResult):
            return checked
        number, body = checked
        message = Message(
            phone_numbers=[number],
            text_message=TextMessage(text=body),
            sim_number=self.sim,
            with_delivery_report=True,
        )
        try:
            state = await self._ensure_client().send(message)
        except APIError as exc:
            result = send_result_for(exc)
            logger.warning("android: sending failed: %s", result.error)
            return result
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # Never reached the phone (switched off, out of the network): safe to retry.
            logger.warning("android: phone unreachable: %s", type(exc).__name__)
            return SendResult(ok=False, error=f"phone unreachable: {type(exc).__name__}")
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            # It may have reached the phone (a read timeout, a cut connection, an odd answer):
            # a retry could send the SMS twice, so the outbox marks it `unknown` instead.
            logger.warning("android: sending failed: %s", type(exc).__name__)
            return SendResult(ok=False, error=f"android: {type(exc).__name__}", uncertain=True)
        if state.state is ProcessState.Failed:
            return SendResult(ok=False, error="android: the phone refused it", permanent=True)
        await self._heard()
        return SendResult(ok=True, provider_id=ID_PREFIX + state.id)

    # -- life, health, webhook registration -----------------------------------------------------

    async def start(self, channel: object = None) -> None:
        self._ensure_client()
        if self.db is not None and self.health_every > 0:
            self._health_task = asyncio.create_task(self._watch(), name="android-health")

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
            self._health_task = None
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None

    async def check_health(self) -> tuple[str, str | None]:
        """The phone's `/health`: (pass | warn | fail | unreachable, detail), recorded."""
        try:
            health = await self._ensure_client().health_check()
            status, detail = health.status.value, health.version
        except APIError as exc:  # 503 with a body: the app says it is unwell
            body = exc.response if isinstance(exc.response, dict) else {}
            status = str(body.get("status") or HealthStatus.FAIL.value)[:16]
            detail = f"HTTP {exc.status_code}"
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            status, detail = "unreachable", type(exc).__name__
        if self.db is not None:
            async with self.db.transaction() as session:
                await sms_health.checked(session, NAME, status, detail, self.clock())
        return status, detail

    async def _watch(self) -> None:
        """Ask the phone how it is, now and then; an alert line when it has been silent."""
        while True:
            try:
                status, _ = await self.check_health()
                if status != "unreachable":
                    self._alerted = False
                else:
                    await self._alert_if_silent()
            except Exception:  # the watch must outlive a database hiccup
                logger.exception("android: health check failed")
            await asyncio.sleep(self.health_every)

    async def _alert_if_silent(self) -> None:
        assert self.db is not None
        async with self.db.transaction() as session:
            last = (await sms_health.summary(session)).get(NAME, {}).get("last_heard_at")
        since = self.clock() - datetime.fromisoformat(last) if last else None
        if (since is None or since > self.silent_after) and not self._alerted:
            self._alerted = True
            minutes = "ever" if since is None else f"{since.total_seconds() / 60:.0f} minutes"
            logger.error(
                "ALERT android SMS gateway silent for %s: is the phone on, charged, with "
                "network and credit? Its messages wait in the outbox.",
                minutes,
            )

    async def _heard(self) -> None:
        if self.db is None or time.monotonic() - self._heard_written < HEARD_EVERY_SECONDS:
            return
        self._heard_written = time.monotonic()
        self._alerted = False
        async with self.db.transaction() as session:
            await sms_health.heard(session, NAME, self.clock())

    async def register_webhooks(self) -> list[str]:
        """Ask the app to post its events to {PUBLIC_URL}/sms/android; the events registered.

        Each registration has a fixed id, so running this again replaces rather than adds."""
        if not self.public_url:
            raise ValueError("PUBLIC_URL is not set: the phone needs our public address")
        client = self._ensure_client()
        url = f"{self.public_url}{WEBHOOK_PATH}"
        for event in EVENTS:
            hook_id = "diaspora-bot-" + event.replace(":", "-")
            await client.create_webhook(Webhook(id=hook_id, url=url, event=WebhookEvent(event)))
        return list(EVENTS)


async def _body(request: Request) -> bytes:
    """The raw body, as signed; refused past MAX_BODY_BYTES without reading the rest."""
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise WebhookRejected(413, "body too large")
            chunks.append(chunk)
    except ClientDisconnect:
        raise WebhookRejected(400, "client went away") from None
    return b"".join(chunks)


def _when(raw: object) -> datetime | None:
    """An event's time (ISO 8601 with the phone's offset), in UTC; None if unreadable."""
    if not isinstance(raw, str):
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
