"""Sending SMS through Twilio's REST API (for the outbox dispatcher), against a fake Twilio."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.base import SendResult
from bot.channels.sms import sms_address
from bot.channels.sms_providers.twilio import TwilioSms
from bot.settings import Settings
from knowledge.addresses import AddressError
from knowledge.gsm7 import is_gsm7
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.twilio_webhooks import ACCOUNT_SID

TOKEN = "outbound-token"
PERSON = "tel:+22376123456"
FROM = "+15005550006"


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, TOKEN) as fake:
        yield fake


def settings(api: FakeTwilioApi, **overrides) -> Settings:
    values = {
        "database_url": "sqlite+aiosqlite:///:memory:",
        "public_url": "https://bot.example.org",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": TOKEN,
        "twilio_from": FROM,
        "twilio_api_url": api.url,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
async def twilio(api: FakeTwilioApi) -> AsyncIterator[TwilioSms]:
    provider = TwilioSms(settings(api))
    await provider.start()
    yield provider
    await provider.close()


async def test_a_message_is_accepted_with_its_sid(twilio: TwilioSms, api: FakeTwilioApi) -> None:
    result = await twilio.send(PERSON, "Votre inscription à la Fête : « très » bien — à bientôt")
    assert result.ok and result.provider_id == api.sent[-1]["sid"]
    sent = api.sent[-1]
    assert sent["To"] == "+22376123456"
    assert sent["From"] == FROM
    assert "MessagingServiceSid" not in sent
    assert sent["Body"] == 'Votre inscription à la Fete : "très" bien - à bientot'
    assert is_gsm7(sent["Body"])
    assert sent["StatusCallback"] == "https://bot.example.org/sms/twilio/status"


async def test_a_messaging_service_sends_instead_of_a_number(api: FakeTwilioApi) -> None:
    service_sid = "MG" + "1" * 32
    provider = TwilioSms(settings(api, twilio_from=service_sid, public_url=""))
    try:
        assert (await provider.send(PERSON, "Bonjour")).ok
    finally:
        await provider.close()
    sent = api.sent[-1]
    assert sent["MessagingServiceSid"] == service_sid
    assert "From" not in sent
    assert "StatusCallback" not in sent  # no public address: Twilio could not call us


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, None, SendResult(ok=False, error="twilio HTTP 429")),
        (429, 20429, SendResult(ok=False, error="twilio 20429: too many requests")),
        (500, None, SendResult(ok=False, error="twilio HTTP 500")),
        (503, None, SendResult(ok=False, error="twilio HTTP 503")),
        (
            400,
            21610,
            SendResult(
                ok=False,
                error="twilio 21610: the person opted out (STOP)",
                permanent=True,
                opted_out=True,
            ),
        ),
        (
            400,
            21211,
            SendResult(
                ok=False,
                error="twilio 21211: invalid 'To' number",
                permanent=True,
                unreachable=True,
            ),
        ),
        (400, 21999, SendResult(ok=False, error="twilio 21999", permanent=True)),
    ],
)
async def test_failures_are_mapped_for_the_dispatcher(
    twilio: TwilioSms, api: FakeTwilioApi, status: int, code: int | None, expected: SendResult
) -> None:
    api.fail_next(status, code)
    assert await twilio.send(PERSON, "Bonjour") == expected


async def test_a_transient_failure_then_a_retry_sends_once(
    twilio: TwilioSms, api: FakeTwilioApi
) -> None:
    api.fail_next(429)
    api.fail_next(500)
    before = len(api.sent)
    results = [await twilio.send(PERSON, "Rappel") for _ in range(3)]
    assert [(r.ok, r.permanent) for r in results] == [
        (False, False),
        (False, False),
        (True, False),
    ]
    assert len(api.sent) == before + 1


async def test_an_opted_out_number_is_refused_for_good(
    twilio: TwilioSms, api: FakeTwilioApi
) -> None:
    api.opt_out("+22376999999")
    result = await twilio.send("tel:+22376999999", "Rappel")
    assert (result.ok, result.permanent, result.opted_out) == (False, True, True)


async def test_wrong_credentials_are_not_the_persons_fault(api: FakeTwilioApi) -> None:
    provider = TwilioSms(settings(api, twilio_auth_token="wrong"))
    try:
        result = await provider.send(PERSON, "Bonjour")
    finally:
        await provider.close()
    assert (result.ok, result.permanent, result.unreachable) == (False, False, False)
    assert "20003" in (result.error or "")


async def test_an_unreachable_api_is_transient(api: FakeTwilioApi) -> None:
    with FakeTwilioApi(ACCOUNT_SID, TOKEN) as gone:
        url = gone.url
    provider = TwilioSms(settings(api, twilio_api_url=url))
    try:
        result = await provider.send(PERSON, "Bonjour")
    finally:
        await provider.close()
    assert (result.ok, result.permanent) == (False, False)
    assert result.error and result.error.startswith("network")


@pytest.mark.parametrize(("address", "text"), [("telegram:42", "Bonjour"), (PERSON, "  \n ")])
async def test_what_cannot_be_an_sms_is_refused_without_calling_twilio(
    twilio: TwilioSms, api: FakeTwilioApi, address: str, text: str
) -> None:
    calls = api.calls
    result = await twilio.send(address, text)
    assert (result.ok, result.permanent) == (False, True)
    assert api.calls == calls


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("+22376123456", "tel:+22376123456"),
        (" +223 76 12 34 56 ", "tel:+22376123456"),
        ("76 12 34 56", "tel:+22376123456"),  # national, read in DEFAULT_REGION
        ("+33 6 12 34 56 78", "tel:+33612345678"),
        ("+15005550006", "tel:+15005550006"),  # Twilio's test number: kept as sent
    ],
)
def test_senders_numbers_become_e164_addresses(raw: str, address: str) -> None:
    assert sms_address(raw, "ML") == address


@pytest.mark.parametrize("raw", ["hello", "", "+12", "MyBank"])
def test_what_is_not_a_number_is_refused(raw: str) -> None:
    with pytest.raises(AddressError):
        sms_address(raw, "ML")


async def test_the_dispatcher_sends_bulk_sms_through_the_real_twilio_sender(
    db, twilio: TwilioSms, api: FakeTwilioApi
) -> None:
    """The outbox, the dispatcher and the Twilio sender together: one SMS per person with its
    SID kept, a number that opted out at Twilio marked and its row failed, nothing twice."""
    from bot.dispatcher import Dispatcher, DispatcherConfig
    from tests.outbox_rows import people, queue, rows

    ids = await people(db, ["tel:+22376000001", "tel:+22376000002", "tel:+22376000003"])
    await queue(db, ids, "Le forum FIDIMA ouvre ses inscriptions")
    api.opt_out("+22376000002")
    before = len(api.sent)  # the fake serves the whole module
    config = DispatcherConfig(rates={"sms": 1000.0}, worker_id="w")
    stats = await Dispatcher(db, {"sms": twilio}, config).run_until_idle()
    assert (stats.sent, stats.failed, stats.unknown) == (2, 1, 0)
    sent = api.sent[before:]
    assert sorted(m["To"] for m in sent) == ["+22376000001", "+22376000003"]
    by_address = {r.address: r for r in await rows(db)}
    assert by_address["tel:+22376000001"].provider_id in {m["sid"] for m in sent}
    assert by_address["tel:+22376000002"].status == "failed"
