"""A fast fake Telegram Bot API for benchmarks: a bare asyncio HTTP/1.1 server (keep-alive, no
framework), so that the fake is not what limits a 2,000 messages-a-second measurement. The test
suite's fake (tests/fakes/telegram_api.py, Starlette under uvicorn's pure-Python h11) tops out at a
few hundred requests a second on a small machine.

    python -m benchmarks.fake_bot_api      # prints its URL, serves until stdin closes

It answers getMe and sendMessage (JSON or form bodies) and `GET /_fake/state` with counts:
messages received, distinct chats, chats that received more than one message.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections import Counter
from urllib.parse import parse_qsl

BOT = {"id": 777000111, "is_bot": True, "first_name": "Diaspora", "username": "DiasporaTestBot"}


class State:
    def __init__(self) -> None:
        self.per_chat: Counter[int] = Counter()
        self.sent = 0
        self.message_id = 1000

    def summary(self) -> dict:
        duplicates = sum(1 for count in self.per_chat.values() if count > 1)
        return {"sent": self.sent, "chats": len(self.per_chat), "duplicates": duplicates}


def _params(headers: dict[str, str], body: bytes) -> dict:
    if headers.get("content-type", "").startswith("application/json"):
        return json.loads(body) if body else {}
    return dict(parse_qsl(body.decode()))


def _answer(state: State, method: str, path: str, params: dict) -> dict:
    if path.startswith("/_fake/state"):
        return state.summary()
    name = path.rsplit("/", 1)[-1]
    if name == "getMe":
        return {"ok": True, "result": BOT}
    if name == "sendMessage":
        chat_id = int(params["chat_id"])
        state.sent += 1
        state.per_chat[chat_id] += 1
        state.message_id += 1
        return {
            "ok": True,
            "result": {
                "message_id": state.message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT,
                "text": params.get("text", ""),
            },
        }
    return {"ok": True, "result": True}


class Protocol(asyncio.Protocol):
    def __init__(self, state: State) -> None:
        self.state = state
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = {}
            for line in head[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4 : head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length :]
            payload = json.dumps(_answer(self.state, method, path, _params(headers, body)))
            encoded = payload.encode()
            self.transport.write(  # type: ignore[attr-defined]
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(encoded)}\r\n\r\n".encode()
                + encoded
            )


async def serve() -> None:
    state = State()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Protocol(state), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes our stdin
    server.close()


if __name__ == "__main__":
    asyncio.run(serve())
