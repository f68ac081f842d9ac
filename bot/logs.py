"""Logging set-up: phone numbers and tokens never reach the logs."""

from __future__ import annotations

import logging
import re

# A phone number (7+ digits, optional +, spaces or dashes between) or a Telegram bot token.
_PHONE = re.compile(r"\+?\d(?:[\s-]?\d){6,}")
_BOT_TOKEN = re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}")


def redact(text: str) -> str:
    text = _BOT_TOKEN.sub("<bot-token>", text)
    return _PHONE.sub(lambda m: "…" + m.group(0)[-3:], text)


class RedactingFilter(logging.Filter):
    """Defence in depth: our own code logs masked addresses, but a library might not."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL, and Telegram's URLs contain the bot token; twilio's HTTP
    # client logs every request (account SID, parameters) at INFO.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "twilio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
