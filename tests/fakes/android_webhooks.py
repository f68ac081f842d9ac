"""Webhook events as the "SMS Gateway for Android" app posts them: its JSON envelope, signed with
`X-Signature` (hex HMAC-SHA256 of the raw body followed by `X-Timestamp`, keyed with the app's
signing key), posted to the app under test.

    phone = AndroidWebhooks(client, "signing-key")
    response = await phone.received("+22376123456", "bonjour")
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime

import httpx

PATH = "/sms/android"
_ids = itertools.count(1)


def sign(key: str, body: bytes, timestamp: str) -> str:
    """As the app signs (its documentation's Python example)."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def envelope(event: str, payload: dict, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "deviceId": "ffffffffceb0b1db0000018e937c815b",
            "event": event,
            "id": event_id or f"ev{next(_ids)}",
            "payload": payload,
            "webhookId": "diaspora-bot-" + event.replace(":", "-"),
        }
    ).encode()


def local_time(at: datetime | None = None) -> str:
    """An event time as the phone writes it: its local time (Mali: UTC) with the offset."""
    return (at or datetime.now(UTC)).isoformat(timespec="milliseconds")


class AndroidWebhooks:
    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client = client
        self.key = key

    async def post(
        self,
        body: bytes,
        *,
        key: str | None = None,
        timestamp: int | None = None,
        signature: str | None = "sign",
    ) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"Content-Type": "application/json", "X-Timestamp": stamp}
        if signature == "sign":
            headers["X-Signature"] = sign(key or self.key, body, stamp)
        elif signature is not None:
            headers["X-Signature"] = signature
        return await self.client.post(PATH, content=body, headers=headers)

    @staticmethod
    def received_body(
        number: str, text: str, *, message_id: str = "", received_at: str = ""
    ) -> bytes:
        return envelope(
            "sms:received",
            {
                # The app builds it from the content: the same text gives the same id.
                "messageId": message_id
                or hashlib.md5(f"{number}{text}".encode()).hexdigest()[:16],
                "message": text,
                "phoneNumber": number,
                "simNumber": 1,
                "receivedAt": received_at or local_time(),
            },
        )

    async def received(self, number: str, text: str, **fields: str) -> httpx.Response:
        return await self.post(self.received_body(number, text, **fields))

    async def report(
        self, event: str, message_id: str, number: str, **extra: object
    ) -> httpx.Response:
        time_field = {
            "sms:sent": "sentAt",
            "sms:delivered": "deliveredAt",
            "sms:failed": "failedAt",
        }
        payload = {"messageId": message_id, "phoneNumber": number, "simNumber": 1}
        payload[time_field[event]] = local_time()
        payload.update(extra)
        return await self.post(envelope(event, payload))
