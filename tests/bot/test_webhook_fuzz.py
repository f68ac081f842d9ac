"""Fuzzing every webhook with random and malformed bodies and headers: never a 500, and the
logs of the whole run hold no phone number and no message text.

A quick profile runs with the suite; the long one is behind a marker:
`pytest -m fuzz tests/bot/test_webhook_fuzz.py` (FUZZ_EXAMPLES=5000 for more).

One app per test takes every example (hypothesis's function-scoped fixture check is off for
that reason): the point is a long-lived service under a stream of junk, as in production.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from bot import logs
from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from knowledge.bundle import Knowledge
from storage.db import Database
from tests.bot.sms_app import PUBLIC_URL, SmsApp, open_sms_app, sms_settings
from tests.bot.telegram_support import SECRET, running
from tests.fakes.telegram_api import FakeBotApi

QUICK = 40
LONG = int(os.environ.get("FUZZ_EXAMPLES", "1500"))
FUZZ = settings(
    max_examples=QUICK,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the CI profile is the same every run; the long one explores
    database=None,
)

# What the fuzz writes that must never reach a log: phone numbers in several spellings, and
# message texts with a marker word.
NUMBERS = ["+33 6 12 34 56 78", "+22376123456", "76 12 34 56", "0033612345678"]
MARKER = "Zorglub"
TEXTS = [f"rappelez-moi au {n} {MARKER}" for n in NUMBERS] + [f"{MARKER} ça va ? 👋🏾\uffff"]
_DIGITS = re.compile(r"\d(?:[\s.-]?\d){6,}")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The logs as `diaspora-bot run` writes them (bot.logs.setup), at INFO."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.setup("INFO", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def assert_no_personal_data(log: str) -> None:
    assert MARKER not in log
    for number in NUMBERS:
        assert number not in log
    # The line's own timestamp is the one run of digits a log line may have.
    text = _TIMESTAMP.sub("", log)
    assert not _DIGITS.search(text), _DIGITS.search(text)


# -- strategies -------------------------------------------------------------------------------

_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
_values = st.one_of(
    _any_text,
    st.sampled_from(TEXTS + NUMBERS + ["", " ", "+0000000000", "SM" + "a" * 32, "SM" * 60]),
    st.sampled_from(["delivered", "failed", "undelivered", "sent", "queued", "read", "DELIVERED"]),
    st.text(alphabet="0123456789+ ", max_size=40),
)
_names = st.one_of(
    st.sampled_from(
        [
            "From",
            "Body",
            "MessageSid",
            "SmsSid",
            "MessageStatus",
            "SmsStatus",
            "ErrorCode",
            "AccountSid",
            "To",
            "NumMedia",
        ]
    ),
    _any_text,
)
_forms = st.lists(st.tuples(_names, _values), max_size=12)


@st.composite
def twilio_requests(draw, path: str) -> tuple[str, bytes, dict[str, str], list]:  # type: ignore[no-untyped-def]
    """A form as Twilio would post it (usually well signed), or junk bytes and headers."""
    form = draw(_forms)
    if draw(st.booleans()):  # most examples carry the core fields, so parsing is reached
        form = [
            ("From", draw(st.sampled_from(NUMBERS + ["+0000000000", "hello", ""]))),
            ("Body", draw(st.sampled_from(TEXTS))),
            ("MessageSid", draw(st.sampled_from(["SM" + "f" * 32, "SM" + "e" * 80, " "]))),
            ("MessageStatus", draw(_values)),
            *form,
        ]
    query = draw(st.sampled_from(["", "?m=1", "?m=" + "9" * 25, "?m=%C2%B2", "?m=abc", "?x=&&"]))
    body = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in form).encode()
    kind = draw(st.sampled_from(["signed", "signed", "signed", "unsigned", "junk", "multipart"]))
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if kind == "junk":
        body = draw(st.binary(max_size=300))
        headers["content-type"] = draw(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "text/plain",
                    "",
                    "multipart/form-data; boundary=x",
                ]
            )
        )
    if kind in ("signed", "junk"):
        headers["X-Twilio-Signature"] = "computed"
    elif kind == "multipart":
        headers["content-type"] = "multipart/form-data; boundary=zz"
        body = (
            b'--zz\r\nContent-Disposition: form-data; name="Body"\r\n\r\n' + body + b"\r\n--zz--"
        )
    if draw(st.booleans()):
        headers["X-Twilio-Webhooks-Signature-Settings"] = draw(_any_text.filter(str.isascii))
    return path + query, body, headers, form


async def _post_twilio(sms: SmsApp, request: tuple[str, bytes, dict[str, str], list]) -> int:
    url, body, headers, form = request
    if headers.get("X-Twilio-Signature") == "computed":
        headers = dict(headers)
        headers["X-Twilio-Signature"] = sms.twilio.validator.compute_signature(
            PUBLIC_URL + url, FormData(form)
        )
    response = await sms.twilio.client.post(url, content=body, headers=headers)
    return response.status_code


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_any_text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def telegram_bodies(draw) -> tuple[bytes, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Telegram updates with fields changed or missing, random JSON, or junk bytes."""
    chat = draw(st.one_of(st.integers(), st.sampled_from(["42", "abc", None, 2**70, 4.5, True])))
    message = {
        "message_id": draw(st.one_of(st.integers(min_value=1, max_value=10**6), _json)),
        "date": draw(st.one_of(st.integers(min_value=0, max_value=2**31), _json)),
        "chat": draw(st.one_of(st.just({"id": chat, "type": "private"}), _json)),
        "from": draw(st.one_of(st.just({"id": 42, "is_bot": False, "first_name": "Awa"}), _json)),
        "text": draw(st.one_of(st.sampled_from(TEXTS), _any_text, _json)),
    }
    for key in draw(st.lists(st.sampled_from(list(message)), max_size=2)):
        message.pop(key, None)
    update = {"update_id": draw(st.one_of(st.integers(min_value=-5, max_value=2**64), _json))}
    update[
        draw(st.sampled_from(["message", "edited_message", "callback_query", "my_chat_member"]))
    ] = message
    body = draw(
        st.one_of(
            st.just(json.dumps(update).encode()),
            _json.map(lambda value: json.dumps(value).encode()),
            st.binary(max_size=200),
        )
    )
    secret = draw(st.sampled_from([SECRET, SECRET, SECRET, "", "wrong"]))
    return body, {SECRET_HEADER: secret, "content-type": "application/json"}


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture
async def sms(db: Database, knowledge: Knowledge) -> AsyncIterator[SmsApp]:
    async with open_sms_app(sms_settings(db.url), knowledge) as app:
        yield app


async def _fuzz_twilio(sms: SmsApp, request) -> None:  # type: ignore[no-untyped-def]
    assert await _post_twilio(sms, request) < 500


@FUZZ
@given(request=twilio_requests("/sms/twilio"))
async def test_the_sms_webhook_never_answers_500(sms: SmsApp, captured, request) -> None:  # type: ignore[no-untyped-def]
    await _fuzz_twilio(sms, request)
    assert_no_personal_data(captured.getvalue())


@FUZZ
@given(request=twilio_requests("/sms/twilio/status"))
async def test_the_status_callback_never_answers_500(sms: SmsApp, captured, request) -> None:  # type: ignore[no-untyped-def]
    await _fuzz_twilio(sms, request)
    assert_no_personal_data(captured.getvalue())


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def telegram(db: Database, db_url: str, api: FakeBotApi, knowledge: Knowledge):  # type: ignore[no-untyped-def]
    async with running(
        db_url, api, knowledge, public_url=PUBLIC_URL, telegram_webhook_secret=SECRET
    ) as channel:
        app = create_app(channel.services, routes=channel.routes())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield client


@FUZZ
@given(body=telegram_bodies())
async def test_the_telegram_webhook_never_answers_500(telegram, captured, body) -> None:  # type: ignore[no-untyped-def]
    content, headers = body
    response = await telegram.post(WEBHOOK_PATH, content=content, headers=headers)
    assert response.status_code < 500
    assert_no_personal_data(captured.getvalue())


# The long profile: the same properties, many more examples, not derandomised.
LONG_SETTINGS = settings(
    max_examples=LONG,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.fuzz
@LONG_SETTINGS
@given(request=st.one_of(twilio_requests("/sms/twilio"), twilio_requests("/sms/twilio/status")))
async def test_long_twilio_fuzz(sms: SmsApp, captured, request) -> None:  # type: ignore[no-untyped-def]
    await _fuzz_twilio(sms, request)
    assert_no_personal_data(captured.getvalue())


@pytest.mark.fuzz
@LONG_SETTINGS
@given(body=telegram_bodies())
async def test_long_telegram_fuzz(telegram, captured, body) -> None:  # type: ignore[no-untyped-def]
    content, headers = body
    response = await telegram.post(WEBHOOK_PATH, content=content, headers=headers)
    assert response.status_code < 500
    assert_no_personal_data(captured.getvalue())
