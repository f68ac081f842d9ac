"""No personal data in logs: a failing statement's parameters and an exception's message are
kept out, whatever raised it; the traceback's shape stays for whoever debugs."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot import logs
from storage import messages
from storage.db import Database

TEXT = "rappelez-moi au +33 6 12 34 56 78 Zorglub"


@pytest.fixture
def log() -> io.StringIO:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.setup("INFO", stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def test_a_failing_statement_is_logged_without_its_parameters(db: Database, log) -> None:
    with pytest.raises(IntegrityError) as caught:
        async with db.transaction() as session:
            # No contact 999999: the foreign key refuses it on both engines.
            await messages.insert_inbound(
                session, 999_999, "sms", TEXT, "SM" + "9" * 32, datetime.now(UTC)
            )
    assert "Zorglub" not in str(caught.value)  # hide_parameters: not even in the exception
    logging.getLogger("test").error("storing failed", exc_info=caught.value)
    written = log.getvalue()
    assert "storing failed" in written
    assert "IntegrityError (message not logged)" in written
    assert "Zorglub" not in written and "12 34 56" not in written


def test_an_exception_message_never_reaches_the_log(log) -> None:
    try:
        try:
            raise ValueError(f"cannot parse {TEXT}")
        except ValueError as first:
            raise RuntimeError(f"while handling alice@example.org: {first}") from first
    except RuntimeError:
        logging.getLogger("test").exception("a message failed")
    written = log.getvalue()
    assert "ValueError (message not logged)" in written
    assert "RuntimeError (message not logged)" in written
    assert "Zorglub" not in written and "alice@example.org" not in written
    assert "test_logs.py" in written  # the frames stay


def test_lines_are_redacted_even_when_a_library_logs_a_number(log) -> None:
    logging.getLogger("somelib").warning("sending to %s (%s)", "+22376123456", "bob@example.com")
    written = log.getvalue()
    assert "+22376123456" not in written and "bob@example.com" not in written
    assert "…456" in written
