"""Twilio calling our webhooks, as it does in production: form posts signed with the auth token
over the PUBLIC URL it was configured with (which is not the address the test reaches).

    twilio = TwilioWebhooks(client, token="secret", public_url="https://bot.example.org")
    response = await twilio.sms("+22376123456", "menu")
    assert twilio.messages(response) == ["Bienvenue ..."]
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "1"
TO_NUMBER = "+15005550006"


class TwilioWebhooks:
    _sids = itertools.count(1)

    def __init__(self, client: httpx.AsyncClient, token: str, public_url: str) -> None:
        self.client = client
        self.validator = RequestValidator(token)
        self.public_url = public_url.rstrip("/")

    @classmethod
    def new_sid(cls, prefix: str = "SM") -> str:
        return f"{prefix}{next(cls._sids):032x}"

    def signature(self, path: str, params: dict[str, str]) -> str:
        return self.validator.compute_signature(self.public_url + path, params)

    async def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        signature: str | None = "sign",
    ) -> httpx.Response:
        """POST the form; signature "sign" signs it properly, None sends no signature."""
        headers = {}
        if signature == "sign":
            signature = self.signature(path, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return await self.client.post(path, data=params, headers=headers)

    def inbound_params(self, from_: str, body: str, sid: str | None = None) -> dict[str, str]:
        return {
            "ToCountry": "US",
            "SmsMessageSid": sid or "",
            "NumMedia": "0",
            "SmsSid": sid or "",
            "SmsStatus": "received",
            "Body": body,
            "To": TO_NUMBER,
            "NumSegments": "1",
            "MessageSid": sid or "",
            "AccountSid": ACCOUNT_SID,
            "From": from_,
            "ApiVersion": "2010-04-01",
        }

    async def sms(self, from_: str, body: str, sid: str | None = None) -> httpx.Response:
        """A person's SMS, as Twilio forwards it to /sms/twilio."""
        return await self.post(
            "/sms/twilio", self.inbound_params(from_, body, sid or self.new_sid())
        )

    async def status(
        self, url: str, sid: str, status: str, error_code: str | None = None, **kwargs
    ) -> httpx.Response:
        """A status callback to `url` (the absolute URL we gave Twilio)."""
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == self.public_url, url
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": ACCOUNT_SID,
            "From": TO_NUMBER,
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return await self.post(path, params, **kwargs)

    @staticmethod
    def messages(response: httpx.Response) -> list[str]:
        """The texts of the TwiML <Message> elements."""
        return [m.text or "" for m in TwilioWebhooks.elements(response)]

    @staticmethod
    def elements(response: httpx.Response) -> list[ET.Element]:
        assert response.headers["content-type"].startswith("application/xml"), response.text
        root = ET.fromstring(response.text)
        assert root.tag == "Response"
        return root.findall("Message")
