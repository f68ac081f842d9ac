"""A fake at PTB's request seam: a `telegram.request.BaseRequest` that records every Bot API call
PTB makes and answers as the Bot API would, or with an injected error.

    request = RecordingRequest()
    bot = Bot("123:TEST", request=request)
    ...
    assert request.calls("sendMessage")[0]["parse_mode"] == "HTML"
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from tests.fakes.telegram_api import BOT


class RecordingRequest(BaseRequest):
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._message_ids = itertools.count(1)
        self._errors: list[tuple[int, dict] | Exception] = []

    def fail_next(self, status: int, description: str, **parameters: Any) -> None:
        """The next call gets this HTTP status and Bot API error body."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self._errors.append((status, body))

    def break_next(self, error: Exception | None = None) -> None:
        """The next call fails below HTTP (a dropped connection)."""
        self._errors.append(error or NetworkError("connection reset"))

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.requests if name == method]

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        # What goes over the wire, as plain values (nested objects as dicts).
        params = dict(request_data.parameters) if request_data else {}
        self.requests.append((name, params))
        if self._errors:
            error = self._errors.pop(0)
            if isinstance(error, Exception):
                raise error
            status, body = error
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT
        if name in ("sendMessage", "editMessageText"):
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text"),
            }
        return True
