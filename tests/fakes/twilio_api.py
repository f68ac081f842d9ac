"""A fake Twilio REST API at the transport seam: the twilio SDK talks real HTTP to it.

    with FakeTwilioApi(account_sid, auth_token) as api:   # api.url is TWILIO_API_URL
        ...
        assert api.sent[-1]["Body"] == "..."

Only `POST /2010-04-01/Accounts/{sid}/Messages.json` exists, with HTTP basic auth checked as
Twilio does. Failures are injected for the next calls: `api.fail_next(429)`,
`api.fail_next(500)`, `api.fail_next(400, code=21610)`; `api.opt_out("+223...")` answers 21610
for that number until further notice, as Twilio does after the person texted STOP.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import ServerThread

ERROR_MESSAGES = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
}


class FakeTwilioApi:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sent: list[dict] = []  # parameters of every message accepted, with its "sid"
        self.calls = 0  # every Messages.json call, accepted or not
        self.sent_at: list[float] = []  # time.monotonic() of each accepted message (its rate)
        self._failures: list[tuple[int, int | None]] = []
        self._opted_out: set[str] = set()
        self._sids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ServerThread(
            Starlette(
                routes=[
                    Route(
                        "/2010-04-01/Accounts/{sid}/Messages.json",
                        self._create_message,
                        methods=["POST"],
                    )
                ]
            )
        )
        self.url = self._server.url

    # -- what a test does ---------------------------------------------------------------

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def opt_out(self, number: str) -> None:
        with self._lock:
            self._opted_out.add(number)

    def start(self) -> FakeTwilioApi:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeTwilioApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the API --------------------------------------------------------------------------

    def _authorised(self, request: Request, sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return sid == self.account_sid and request.headers.get("authorization") == (
            f"Basic {expected}"
        )

    async def _create_message(self, request: Request) -> JSONResponse:
        sid = request.path_params["sid"]
        form = {key: value for key, value in (await request.form()).items()}
        with self._lock:
            self.calls += 1
            if not self._authorised(request, sid):
                return _error(401, 20003)
            if self._failures:
                status, code = self._failures.pop(0)
                if code is None:
                    return JSONResponse({"message": "injected failure"}, status_code=status)
                return _error(status, code)
            if not form.get("To") or not form.get("Body"):
                return _error(400, 21602 if not form.get("Body") else 21604)
            if not (form.get("From") or form.get("MessagingServiceSid")):
                return _error(400, 21603)
            if form["To"] in self._opted_out:
                return _error(400, 21610)
            message_sid = f"SM{next(self._sids):032x}"
            self.sent.append({**form, "sid": message_sid})
            self.sent_at.append(time.monotonic())
        return JSONResponse(
            {
                "sid": message_sid,
                "account_sid": self.account_sid,
                "to": form["To"],
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form["Body"],
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}.json",
            },
            status_code=201,
        )


def _error(status: int, code: int) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": ERROR_MESSAGES.get(code, "error"),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )
