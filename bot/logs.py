"""Logging set-up: phone numbers, message texts and tokens never reach the logs.

Our own code logs masked addresses and never a message's text. Two more guards catch what
libraries write:
- every line goes through `redact` (phone numbers, e-mail addresses, bot tokens);
- a traceback keeps its frames (file, line, code) and the exception's *type*, never its message:
  an exception's message is where a library puts the values it was given (a driver's statement
  parameters, a parser's input, a person's text). SQLAlchemy's own parameters are also kept out
  of its messages (`hide_parameters=True`, storage/db.py).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import IO

from knowledge.personal import EMAIL, PHONE

# Phone numbers and e-mail addresses as knowledge/personal.py finds them; a Telegram bot token.
_PHONE = PHONE
_EMAIL = EMAIL
_BOT_TOKEN = re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}")


def redact(text: str) -> str:
    text = _BOT_TOKEN.sub("<bot-token>", text)
    text = _EMAIL.sub("<e-mail>", text)
    return _PHONE.sub(lambda m: "…" + m.group(0)[-3:], text)


def exception_without_values(exc: BaseException) -> str:
    """A traceback as Python prints it, each exception's message left out (its type kept)."""
    lines: list[str] = []
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # causes first, as Python prints
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    for index, error in enumerate(reversed(chain)):
        if index:
            lines.append(
                "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(error.__traceback__))
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message not logged)\n")
    return "".join(lines).rstrip("\n")


class SafeFormatter(logging.Formatter):
    """Formats records with tracebacks that carry no values (see the module docstring). The
    message itself is redacted by RedactingFilter; the line's timestamp is left alone."""

    def formatException(self, ei) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        _, value, _ = ei
        if value is None:
            return redact(super().formatException(ei))
        return redact(exception_without_values(value))


class RedactingFilter(logging.Filter):
    """Defence in depth: our own code logs masked addresses, but a library might not."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup(level: str = "INFO", stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL, and Telegram's URLs contain the bot token; twilio's HTTP
    # client logs every request (account SID, parameters) at INFO.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "twilio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
