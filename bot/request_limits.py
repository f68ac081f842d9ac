"""A body-size limit on every endpoint, enforced while the body is read.

Pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which would buffer): a request that
announces a larger Content-Length is refused at once with 413, before the endpoint runs; one that
does not (chunked, or lying) is cut off the moment the bytes read pass the limit, and answered
413. Either way no signature is computed and no more than the limit is ever held in memory: 24
unsigned 30 MB POSTs used to raise the service's memory by 350 MB.

A few paths may have a larger limit of their own (`larger`: the back office's CSV upload,
`MAX_UPLOAD_BYTES`), refused the same way but with a page of their own that says why; every other
path (the webhooks above all) keeps the small one.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Telegram updates and Twilio forms are a few kilobytes; a message is at most 4,096 characters
# (Telegram) or 1,600 (an SMS), a reply quotes one more. 256 KiB leaves room for all of that.
DEFAULT_MAX_BYTES = 256 * 1024


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Larger:
    """A path's own limit, and the HTML page that refuses a body over it."""

    max_bytes: int
    page: bytes


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BYTES,
        larger: dict[str, Larger] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        own = self.larger.get(scope.get("path", "")) if scope.get("method") == "POST" else None
        max_bytes = own.max_bytes if own else self.max_bytes
        page = (own.page, b"text/html; charset=utf-8") if own else None
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            await _refuse(send, page)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except TooLarge:
            if not started:
                await _refuse(send, page)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # not a number: the server refuses it, or the read is counted
    return None


async def _refuse(send: Send, page: tuple[bytes, bytes] | None = None) -> None:
    body, content_type = page or (b"request body too large", b"text/plain; charset=utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
