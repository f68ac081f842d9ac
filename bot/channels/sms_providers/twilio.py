"""Twilio as an SMS provider: signed webhooks, TwiML replies, the REST API, status callbacks.

Everything Twilio-specific is here, most of it in the tables below: its form fields, statuses
and error codes. The channel itself (conversation, rendering, delivery records) is
`bot/channels/sms.py`.

Signatures are checked against the PUBLIC address Twilio called (`PUBLIC_URL` + path + query),
not the address this process sees: behind a reverse proxy the Host and scheme differ.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

import aiohttp
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import fields
from bot.channels.base import SendResult
from bot.channels.sms import CHANNEL, DeliveryReport, WebhookRejected, sendable, sms_address
from bot.conversation import Outgoing
from bot.settings import Settings
from handlers.vocabulary import Inbound
from knowledge.addresses import AddressError, mask

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
INBOUND_PATH = "/sms/twilio"
STATUS_PATH = "/sms/twilio/status"
# The TwiML reply's action URL names our stored message, so its status callback can find it
# (Twilio gives the reply its MessageSid only after our response).
MESSAGE_ID_PARAM = "m"
TWILIO_API = "https://api.twilio.com"
API_TIMEOUT_SECONDS = 20
TWIML = "application/xml"

# Twilio's message statuses -> ours (storage/delivery.py). Those not listed are ignored.
STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}

OPTED_OUT_CODE = 21610  # "Attempt to send to unsubscribed recipient": the person texted STOP
# Delivery errors in a status callback that mean the number cannot receive SMS at all, as the
# REST API's 21211/21614 do: 30005 "Unknown destination handset", 30006 "Landline or unreachable
# carrier". Not 30003 (handset switched off or out of coverage) nor 30008 (unknown error): those
# are often temporary, and one of them must not stop every later message to the person.
UNREACHABLE_DELIVERY_CODES = frozenset({"30005", "30006"})
# The fields each webhook reads; each must come once (see _signed_form).
INBOUND_FIELDS = ("From", "Body", "MessageSid")
STATUS_FIELDS = ("MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "ErrorCode")


@dataclass(frozen=True)
class SendError:
    reason: str  # for the staff's eyes: no personal data
    permanent: bool
    unreachable: bool = False
    opted_out: bool = False


# REST API error codes (https://www.twilio.com/docs/api/errors) and what they mean for a retry.
SEND_ERRORS: dict[int, SendError] = {
    OPTED_OUT_CODE: SendError("the person opted out (STOP)", permanent=True, opted_out=True),
    21211: SendError("invalid 'To' number", permanent=True, unreachable=True),
    21214: SendError("'To' number cannot be reached", permanent=True, unreachable=True),
    21217: SendError("'To' number does not appear valid", permanent=True, unreachable=True),
    21612: SendError("'To' number not reachable by SMS", permanent=True, unreachable=True),
    21614: SendError("'To' number is not a mobile number", permanent=True, unreachable=True),
    21408: SendError("SMS to this country not enabled on the account", permanent=True),
    21606: SendError("TWILIO_FROM cannot send SMS to this number", permanent=True),
    21602: SendError("empty message body", permanent=True),
    21617: SendError("message longer than 1600 characters", permanent=True),
    # Our configuration, not the person: worth retrying once an operator fixes it.
    20003: SendError("authentication failed: check TWILIO_ACCOUNT_SID/AUTH_TOKEN", False),
    20429: SendError("too many requests", permanent=False),
}
TRANSIENT_HTTP = frozenset({408, 429})


def send_result_for(status: int | None, code: int | None) -> SendResult:
    """A failed API call as the dispatcher sees it: permanent, or worth a retry."""
    if code == status:
        code = None  # the SDK puts the HTTP status there when the body had no error code
    known = SEND_ERRORS.get(code) if code is not None else None
    if known is not None:
        return SendResult(
            ok=False,
            error=f"twilio {code}: {known.reason}",
            permanent=known.permanent,
            unreachable=known.unreachable,
            opted_out=known.opted_out,
        )
    transient = status is None or status in TRANSIENT_HTTP or status >= 500
    label = f"twilio {code}" if code else f"twilio HTTP {status}"
    return SendResult(ok=False, error=label, permanent=not transient)


class _RebasedHttpClient(AsyncTwilioHttpClient):
    """Twilio's async HTTP client, sending what the SDK addresses to api.twilio.com to
    `TWILIO_API_URL` instead (a test fake, a recording proxy).

    A custom HTTP client is the seam Twilio documents for this ("Custom HTTP clients" in the
    Python library docs): the SDK builds absolute URLs on https://api.twilio.com, and the client
    it is given decides where they go. No SDK internals are touched.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(pool_connections=False)
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        self.base_url = base_url.rstrip("/")

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict | None = None,
        data: dict | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's signature
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if url.startswith(TWILIO_API) and self.base_url != TWILIO_API:
            url = self.base_url + url[len(TWILIO_API) :]
        if auth is not None:
            # The same Basic header, without aiohttp's BasicAuth (deprecated for aiohttp 4).
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {token}"}
        return await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )


class TwilioSms:
    """The Twilio provider: an `SmsProvider` and the SMS channel's `Sender`."""

    name = "twilio"
    provider = name  # outbox rows it sends record it (stats per provider)
    channel = CHANNEL
    inbound_path = INBOUND_PATH
    status_path = STATUS_PATH
    replies_in_response = True  # TwiML

    def __init__(self, settings: Settings) -> None:
        self.account_sid = settings.twilio_account_sid
        self.sender_id = settings.twilio_from
        self.public_url = settings.public_url
        self.api_url = settings.twilio_api_url
        self.region = settings.default_region
        self._auth_token = settings.twilio_auth_token.get_secret_value()
        self.validator = RequestValidator(self._auth_token)
        self._client: Client | None = None
        self._http: _RebasedHttpClient | None = None

    # -- webhooks ----------------------------------------------------------------------------

    async def parse_inbound(self, request: Request) -> Inbound:
        form = await self._signed_form(request, INBOUND_FIELDS)
        missing = [name for name in INBOUND_FIELDS if form.get(name) is None]
        if missing:
            raise WebhookRejected(400, f"missing {', '.join(missing)}")
        message_sid = fields.provider_id(form["MessageSid"])
        if message_sid is None:
            raise WebhookRejected(400, "MessageSid is not a message id")
        try:
            address = sms_address(form["From"], self.region)
        except AddressError:
            raise WebhookRejected(400, "From is not a phone number") from None
        return Inbound(
            CHANNEL,
            address,
            fields.text(form["Body"]),
            provider_id=message_sid,
            provider_answers_stop=True,  # Twilio's own opt-out replies (handlers/basics.py)
        )

    async def parse_status(self, request: Request) -> DeliveryReport:
        form = await self._signed_form(request, STATUS_FIELDS)
        raw_sid = form.get("MessageSid") or form.get("SmsSid") or ""
        raw_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
        if not raw_sid.strip() or not raw_status:
            raise WebhookRejected(400, "missing MessageSid or MessageStatus")
        sid = fields.provider_id(raw_sid)
        if sid is None:
            raise WebhookRejected(400, "MessageSid is not a message id")
        raw_code = form.get("ErrorCode")
        error_code = fields.error_code(raw_code)
        if raw_code and raw_code.strip() and error_code is None:
            raise WebhookRejected(400, "ErrorCode is not a number")
        # Ours, in the signed URL; anything else than one of our row ids names no message.
        message_id = fields.row_id(request.query_params.get(MESSAGE_ID_PARAM))
        status = STATUSES.get(raw_status)  # an unknown status is acknowledged and ignored
        return DeliveryReport(
            provider_id=sid,
            status=status,
            error_code=error_code,
            opted_out=error_code == str(OPTED_OUT_CODE),
            unreachable=status in ("undelivered", "failed")
            and error_code in UNREACHABLE_DELIVERY_CODES,
            message_id=message_id,
        )

    async def parse_event(self, request: Request) -> Inbound | DeliveryReport | None:
        raise WebhookRejected(404, "Twilio posts messages and reports to two paths")

    async def _signed_form(self, request: Request, single: Sequence[str]) -> Mapping[str, str]:
        """The form fields, once the signature says Twilio sent them; nothing is read before.
        A field of `single` given twice is refused: Twilio never repeats one, and which of the
        two to believe would be a guess."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise WebhookRejected(403, "missing signature")
        form = await _form(request)
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        if not self.validator.validate(self.signed_url(request), form, signature, algorithm):
            raise WebhookRejected(403, "invalid signature")
        repeated = [name for name in single if len(form.getlist(name)) > 1]
        if repeated:
            raise WebhookRejected(400, f"repeated {', '.join(repeated)}")
        return {key: value for key, value in form.items() if isinstance(value, str)}

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public one, not the one this process was reached at."""
        if not self.public_url:
            return str(request.url)  # no proxy in front: what we see is what Twilio called
        query = request.url.query
        return f"{self.public_url}{request.url.path}" + (f"?{query}" if query else "")

    def respond(self, outgoing: Sequence[Outgoing]) -> Response:
        twiml = MessagingResponse()
        for out in outgoing:
            twiml.message(out.text, action=self._status_url(out.message_id))
        return Response(twiml.to_xml(), media_type=TWIML)

    def acknowledge(self) -> Response:
        return Response(MessagingResponse().to_xml(), media_type=TWIML)

    def _status_url(self, message_id: int | None = None) -> str | None:
        if not self.public_url:
            return None
        url = f"{self.public_url}{STATUS_PATH}"
        if message_id is not None:
            url += f"?{MESSAGE_ID_PARAM}={int(message_id)}"
        return url

    # -- sending -----------------------------------------------------------------------------

    async def start(self, channel: object = None) -> None:
        self._ensure_client()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._client = self._http = None

    def _ensure_client(self) -> Client:
        if self._client is None:
            self._http = _RebasedHttpClient(self.api_url, API_TIMEOUT_SECONDS)
            self._client = Client(self.account_sid, self._auth_token, http_client=self._http)
        return self._client

    async def send(self, address: str, text: str) -> SendResult:
        """Send one SMS (GSM-7 where possible); provider errors become a SendResult."""
        checked = sendable(address, text)
        if isinstance(checked, SendResult):
            return checked
        number, body = checked
        params: dict[str, str] = {"to": number, "body": body}
        if self.sender_id.startswith("MG"):
            params["messaging_service_sid"] = self.sender_id
        else:
            params["from_"] = self.sender_id
        status_callback = self._status_url()
        if status_callback:
            params["status_callback"] = status_callback
        try:
            message = await self._ensure_client().messages.create_async(**params)
        except TwilioException as exc:
            status, code = getattr(exc, "status", None), getattr(exc, "code", None)
            result = send_result_for(status, _int_or_none(code))
            logger.warning("twilio: sending to %s failed: %s", mask(address), result.error)
            return result
        except aiohttp.ClientConnectorError as exc:  # never reached Twilio: safe to retry
            logger.warning("twilio: sending to %s failed: %s", mask(address), type(exc).__name__)
            return SendResult(ok=False, error=f"network: {type(exc).__name__}")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The request may have reached Twilio: a retry could send the SMS twice, so the
            # outbox marks it `unknown` for staff instead.
            logger.warning("twilio: sending to %s failed: %s", mask(address), type(exc).__name__)
            return SendResult(ok=False, error=f"network: {type(exc).__name__}", uncertain=True)
        return SendResult(ok=True, provider_id=message.sid)


# Twilio's forms are small (an SMS body is at most 1,600 characters); Starlette's limit.
MAX_FORM_FIELDS = 1000


async def _form(request: Request) -> FormData:
    """The posted form. Twilio posts URL-encoded forms: read with the standard library, which
    costs a third of the general parser's time on every inbound SMS; anything else (multipart)
    goes to Starlette's parser. Both give the same multi-valued FormData."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        # Twilio sends no files: a file part is none of its fields (it would break the signature
        # check with a TypeError), so it is left out.
        async with request.form(max_fields=MAX_FORM_FIELDS) as form:
            return FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise WebhookRejected(400, "too many form fields") from None
    return FormData(fields)


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
