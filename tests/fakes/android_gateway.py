"""A fake "SMS Gateway for Android" phone at the transport seam: the official client talks real
HTTP to it, as it would to the app's local server (`http://<phone>:8080`).

    with FakeAndroidGateway("sms", "secret") as phone:   # phone.url is ANDROID_SMS_URL
        ...
        assert phone.sent[-1]["textMessage"]["text"] == "..."

`POST /messages` (basic auth checked as the app does: 401 otherwise) answers 202 with the
message's state, `GET /health`, `POST /webhooks`. Failures for the next sends:
`phone.fail_next(500)`, `phone.stall_next(seconds)` (answers too late: a read timeout).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import ServerThread


class FakeAndroidGateway:
    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self.sent: list[dict] = []  # every message accepted, with the "id" we gave it
        self.calls = 0
        self.sent_at: list[float] = []  # time.monotonic() of each accepted message (its rate)
        self.webhooks: dict[str, dict] = {}
        self.health = "pass"
        self._failures: list[int] = []
        self._stalls: list[float] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ServerThread(
            Starlette(
                routes=[
                    Route("/messages", self._send, methods=["POST"]),
                    Route("/health", self._health, methods=["GET"]),
                    Route("/webhooks", self._webhook, methods=["POST"]),
                ]
            )
        )
        self.url = self._server.url

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures += [status] * times

    def stall_next(self, seconds: float) -> None:
        with self._lock:
            self._stalls.append(seconds)

    def texts_to(self, number: str) -> list[str]:
        return [m["textMessage"]["text"] for m in self.sent if m["phoneNumbers"] == [number]]

    def _authorised(self, request: Request) -> bool:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {token}"

    async def _send(self, request: Request) -> JSONResponse:
        with self._lock:
            self.calls += 1
            failure = self._failures.pop(0) if self._failures else None
            stall = self._stalls.pop(0) if self._stalls else None
        if not self._authorised(request):
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if failure is not None:
            return JSONResponse({"message": "failure"}, status_code=failure)
        body = await request.json()
        with self._lock:
            message_id = f"m{next(self._ids)}"
            self.sent.append({**body, "id": message_id})
            self.sent_at.append(time.monotonic())
        if stall:
            await asyncio.sleep(stall)
        return JSONResponse(
            {
                "id": message_id,
                "state": "Pending",
                "isHashed": False,
                "isEncrypted": False,
                "recipients": [
                    {"phoneNumber": n, "state": "Pending"} for n in body["phoneNumbers"]
                ],
            },
            status_code=202,
        )

    async def _health(self, request: Request) -> JSONResponse:
        code = 200 if self.health != "fail" else 503
        return JSONResponse({"status": self.health, "version": "1.0.0"}, status_code=code)

    async def _webhook(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        body = await request.json()
        self.webhooks[body["id"]] = body
        return JSONResponse(body, status_code=201)

    def __enter__(self) -> FakeAndroidGateway:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
