"""A fake Telegram Bot API server at the transport seam: PTB talks real HTTP to it.

    with FakeBotApi() as api:             # api.url is TELEGRAM_API_URL
        api.push_text(chat_id=42, text="/start")   # what getUpdates will return
        ...
        assert api.sent_to(42)[-1]["text"] == "..."

Failures are injected per chat or per method: `api.block(42)` (403 "bot was blocked by the
user"), `api.fail_next("sendMessage", 429, retry_after=3)`. `GET /_fake/state` gives the
counts, for a process under test that is not this one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import ServerThread

BOT = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Diaspora",
    "username": "DiasporaTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


def _value(raw: Any) -> Any:
    """PTB posts JSON bodies; form bodies carry nested objects as JSON strings."""
    if isinstance(raw, str) and raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []  # every method call, in order
        self.sent: list[dict] = []  # sendMessage parameters that succeeded, with message_id
        self.edited: list[dict] = []
        self.answered_callbacks: list[dict] = []
        self.commands: dict[str, list] = {}  # language_code ("" = default) -> commands
        self.webhook: dict | None = None
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._blocked: set[int] = set()
        self._failures: list[tuple[str, int, str, int | None]] = []
        self._lock = threading.Lock()
        self._new_update: asyncio.Event | None = None
        self._server = ServerThread(
            Starlette(
                routes=[
                    Route("/_fake/state", self._state, methods=["GET"]),
                    Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
                ]
            )
        )
        self.url = self._server.url

    # -- what a test does ---------------------------------------------------------------

    def start(self) -> FakeBotApi:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def push_update(self, update: dict) -> dict:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        return update

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "fr",
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
    ) -> dict:
        return self.push_update(
            {
                "message": self.message(
                    chat_id,
                    text,
                    user_id=user_id,
                    language_code=language_code,
                    chat_type=chat_type,
                    reply_to_message_id=reply_to_message_id,
                )
            }
        )

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int = 1,
        user_id: int | None = None,
        language_code: str | None = "fr",
        text: str = "…",
        reply_markup: dict | None = None,
    ) -> dict:
        """A press on a button of the bot's message `message_id`; pass the message's `text`
        and `reply_markup` (as sent) when the test needs the button to be really there."""
        user = self.user(user_id or chat_id, language_code)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT,
        }
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
        return self.push_update(
            {
                "callback_query": {
                    "id": f"cb{next(self._update_ids)}",
                    "from": user,
                    "chat_instance": "1",
                    "message": message,
                    "data": data,
                }
            }
        )

    @staticmethod
    def user(user_id: int, language_code: str | None = "fr") -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": "Awa"}
        if language_code:
            user["language_code"] = language_code
        return user

    def message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "fr",
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
    ) -> dict:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Staff"
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id or chat_id, language_code),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to_message_id is not None:
            message["reply_to_message"] = {
                "message_id": reply_to_message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": BOT,
                "text": "…",
            }
        return message

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: every send to them is a 403 from now on."""
        self._blocked.add(chat_id)

    def fail_next(
        self,
        method: str,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._failures.append((method, status, description or "Injected failure", retry_after))

    def sent_to(self, chat_id: int) -> list[dict]:
        return [m for m in self.sent if int(m["chat_id"]) == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent_to(chat_id)]

    # -- the HTTP side ------------------------------------------------------------------

    async def _state(self, request: Request) -> JSONResponse:
        with self._lock:
            per_chat: dict[str, int] = {}
            for m in self.sent:
                per_chat[str(m["chat_id"])] = per_chat.get(str(m["chat_id"]), 0) + 1
            return JSONResponse(
                {"sent": len(self.sent), "per_chat": per_chat, "calls": len(self.calls)}
            )

    async def _params(self, request: Request) -> dict:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.body()
            return json.loads(body) if body else {}
        form = await request.form()
        return {key: _value(value) for key, value in form.items()}

    def _take_failure(self, method: str) -> tuple[int, str, int | None] | None:
        with self._lock:
            for index, (failing, status, description, retry_after) in enumerate(self._failures):
                if failing == method:
                    del self._failures[index]
                    return status, description, retry_after
        return None

    async def _method(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params = await self._params(request)
        with self._lock:
            self.calls.append((method, params))
        failure = self._take_failure(method)
        if failure:
            status, description, retry_after = failure
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return JSONResponse(body, status_code=status)
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self._blocked and method != "getChat":
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status_code=403,
            )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": True, "result": True})
        result = await handler(params)
        if isinstance(result, JSONResponse):  # the method refused its parameters
            return result
        return JSONResponse({"ok": True, "result": result})

    async def _api_getMe(self, params: dict) -> dict:
        return BOT

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 0.2)  # a short long-poll: quick shutdowns
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    async def _api_sendMessage(self, params: dict) -> dict:
        message_id = next(self._message_ids)
        with self._lock:
            self.sent.append({**params, "message_id": message_id})
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "text": params.get("text"),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT,
        }

    async def _api_editMessageText(self, params: dict) -> dict:
        with self._lock:
            self.edited.append(params)
        return {
            "message_id": int(params.get("message_id") or 0),
            "date": int(time.time()),
            "text": params.get("text"),
            "from": BOT,
            "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
        }

    async def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        return await self._api_editMessageText(params)

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        with self._lock:
            self.answered_callbacks.append(params)
        return True

    async def _api_setMyCommands(self, params: dict) -> bool | JSONResponse:
        language_code = params.get("language_code") or ""
        # The Bot API takes "a two-letter ISO 639-1 language code" here, or none.
        if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: invalid language code specified",
                },
                status_code=400,
            )
        self.commands[language_code] = _value(params.get("commands"))
        return True

    async def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = params
        return True

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        return True
