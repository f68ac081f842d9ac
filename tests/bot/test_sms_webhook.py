"""The Twilio SMS webhook: signatures, fields, retries, and conversations over TwiML."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.services import Services
from handlers import basics
from handlers.context import Context
from handlers.router import Router
from handlers.vocabulary import Reply
from knowledge.bundle import Knowledge
from knowledge.gsm7 import is_gsm7, segments
from storage.db import Database
from storage.models import Contact, Message
from tests.bot.sms_app import (
    LOCAL_URL,
    PERSON,
    PUBLIC_URL,
    TOKEN,
    SmsApp,
    open_sms_app,
    sms_settings,
)
from tests.fakes.twilio_webhooks import ACCOUNT_SID, TwilioWebhooks


@pytest.fixture
async def sms(db: Database, knowledge: Knowledge) -> AsyncIterator[SmsApp]:
    async with open_sms_app(sms_settings(db.url), knowledge) as app:
        yield app


# -- the webhook's table: signature and fields ----------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    params: dict[str, str]
    signature: str | None = "sign"  # "sign": as Twilio signs; None: no header; else this value
    status: int = 200
    stored: int = 1  # inbound messages stored
    body_stored: str | None = None  # the text kept, when it must be exactly this


def _params(**fields: str | None) -> dict[str, str]:
    base = {
        "From": PERSON,
        "Body": "menu",
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": ACCOUNT_SID,
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


CASES = [
    Case("valid", _params()),
    Case("missing signature", _params(), signature=None, status=403, stored=0),
    Case("empty signature", _params(), signature="", status=403, stored=0),
    Case("wrong signature", _params(), signature="bm90IGEgc2lnbmF0dXJl", status=403, stored=0),
    Case("missing From", _params(From=None), status=400, stored=0),
    Case("missing Body", _params(Body=None), status=400, stored=0),
    Case("missing MessageSid", _params(MessageSid=None), status=400, stored=0),
    Case("unsigned and missing fields", _params(From=None), signature=None, status=403, stored=0),
    Case("From not a number", _params(From="hello"), status=400, stored=0),
    Case("national From read in DEFAULT_REGION", _params(From="76 12 34 56")),
    Case("emoji body", _params(Body="Bonjour 👋🏾 ça va ?"), body_stored="Bonjour 👋🏾 ça va ?"),
    Case("empty body", _params(Body=""), body_stored=""),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_inbound_webhook(sms: SmsApp, case: Case) -> None:
    response = await sms.twilio.post("/sms/twilio", case.params, signature=case.signature)
    assert response.status_code == case.status, response.text
    assert await sms.count(Message, Message.direction == "in") == case.stored
    if case.status != 200:
        assert await sms.count(Contact) == 0
        assert await sms.count(Message) == 0
        return
    replies = sms.twilio.messages(response)
    assert replies, "every case here gets an answer"
    assert all(is_gsm7(text) for text in replies)
    contact = await sms.contact()
    assert contact is not None and contact.channel == "sms"
    if case.body_stored is not None:
        async with sms.services.db.transaction() as session:
            stored = await session.scalar(select(Message.text).where(Message.direction == "in"))
        assert stored == case.body_stored


async def test_a_multipart_form_is_read_like_twilios_url_encoded_one(sms: SmsApp) -> None:
    """Twilio posts URL-encoded forms, read with the standard library; any other encoding
    goes to Starlette's parser and means the same."""
    params = _params(Body="Bonjour, ça va ?")
    signature = sms.twilio.signature("/sms/twilio", params)
    response = await sms.twilio.client.post(
        "/sms/twilio",
        data=params,
        files={"unused": ("empty.txt", b"")},  # makes httpx send multipart/form-data
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 200, response.text
    async with sms.services.db.transaction() as session:
        assert await session.scalar(select(Message.text)) == "Bonjour, ça va ?"


async def test_a_form_with_thousands_of_fields_is_refused_and_nothing_stored(
    sms: SmsApp,
) -> None:
    params = _params() | {f"Extra{n}": "x" for n in range(1200)}
    response = await sms.twilio.post("/sms/twilio", params)
    assert response.status_code == 400
    assert await sms.count(Message) == 0


async def test_a_signature_over_another_token_is_refused(sms: SmsApp) -> None:
    forged = TwilioWebhooks(sms.twilio.client, "someone-elses-token", PUBLIC_URL)
    response = await forged.sms(PERSON, "menu")
    assert response.status_code == 403
    assert await sms.count(Message) == 0


async def test_a_signature_over_the_local_address_is_refused_behind_a_proxy(sms: SmsApp) -> None:
    """Twilio signs the public URL; the Host this process sees is the proxy's upstream."""
    local = TwilioWebhooks(sms.twilio.client, TOKEN, LOCAL_URL)
    assert (await local.sms(PERSON, "menu")).status_code == 403
    assert (await sms.twilio.sms(PERSON, "menu")).status_code == 200
    assert await sms.count(Message, Message.direction == "in") == 1


async def test_the_query_string_is_part_of_what_is_signed(sms: SmsApp) -> None:
    params = _params()
    signed_without_query = sms.twilio.signature("/sms/twilio", params)
    response = await sms.twilio.post(
        "/sms/twilio?campaign=1", params, signature=signed_without_query
    )
    assert response.status_code == 403
    assert (await sms.twilio.post("/sms/twilio?campaign=1", params)).status_code == 200


async def test_without_public_url_the_address_as_seen_is_signed(
    db: Database, knowledge: Knowledge
) -> None:
    async with open_sms_app(sms_settings(db.url, public_url=""), knowledge) as sms:
        local = TwilioWebhooks(sms.twilio.client, TOKEN, LOCAL_URL)
        assert (await local.sms(PERSON, "menu")).status_code == 200
        assert (await sms.twilio.sms(PERSON, "menu")).status_code == 403


async def test_a_repeated_message_sid_is_stored_once_and_answered_the_same(sms: SmsApp) -> None:
    sid = TwilioWebhooks.new_sid()
    first = await sms.twilio.sms(PERSON, "menu", sid=sid)
    again = await sms.twilio.sms(PERSON, "menu", sid=sid)
    assert first.status_code == again.status_code == 200
    assert first.text == again.text
    assert len(sms.twilio.messages(first)) >= 1
    assert await sms.count(Message, Message.direction == "in") == 1
    assert await sms.count(Message, Message.direction == "out") == len(sms.twilio.messages(first))


async def test_replies_are_recorded_as_handed_to_twilio(sms: SmsApp) -> None:
    replies = await sms.say("menu")
    async with sms.services.db.transaction() as session:
        statuses = list(
            await session.scalars(select(Message.status).where(Message.direction == "out"))
        )
    assert len(statuses) == len(replies)
    assert statuses == ["queued"] * len(replies)


# -- conversations over SMS --------------------------------------------------------------------


async def test_a_numbered_option_is_chosen_by_its_number(sms: SmsApp) -> None:
    menu = "\n".join(await sms.say("menu"))
    line = next(line for line in menu.splitlines() if "Langue" in line)
    number, _, _ = line.partition(". ")
    assert number.isdigit() and number != "1"
    answer = "\n".join(await sms.say(number))
    assert "Choisissez votre langue" in answer
    assert "1. English" in answer


async def test_stop_is_left_to_twilio_and_opts_the_person_out(sms: SmsApp) -> None:
    await sms.say("bonjour")
    response = await sms.twilio.sms(PERSON, "STOP")
    assert response.status_code == 200
    assert sms.twilio.messages(response) == []
    assert response.text.replace("\n", "").endswith("<Response />")
    contact = await sms.contact()
    assert contact is not None and contact.opted_out


async def test_a_question_gets_the_faqs_short_sms_answer(sms: SmsApp) -> None:
    replies = await sms.say("double nationalité ?")
    assert "2011-087" in "\n".join(replies)
    assert sum(segments(text).segments for text in replies) <= 2
    assert all(is_gsm7(text) for text in replies)


@pytest.mark.parametrize("word", ["ARRET", "Arrêt"])
async def test_arret_is_answered_by_us(sms: SmsApp, word: str) -> None:
    replies = await sms.say(word)
    assert len(replies) == 1
    assert "plus d'annonces" in replies[0]
    assert (await sms.contact()).opted_out


@pytest.mark.parametrize("word", ["STOP", "CANCEL", "unsubscribe"])
async def test_a_newcomers_first_opt_out_word_gets_no_welcome(sms: SmsApp, word: str) -> None:
    """CANCEL is an opt-out word for Twilio: on SMS it stops, it does not leave a flow."""
    assert await sms.say(word) == []
    assert (await sms.contact()).opted_out


# -- a long answer, cut at the budget, the rest on PLUS -------------------------------------------


def _long_faq_answer() -> str:
    path = Path(__file__).parents[2] / "knowledge" / "faq" / "nationality.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    return next(e for e in entries if e["id"] == "nationality_dual")["answer"]["fr"]


async def _faq_like(ctx: Context) -> list[Reply]:
    """Any question gets the long answer, without a short SMS version."""
    return [Reply(_long_faq_answer().strip())]


@pytest.fixture
async def sms_faq(db: Database, knowledge: Knowledge) -> AsyncIterator[SmsApp]:
    router = Router(keywords=basics.keywords(()), flows={}, fallback=_faq_like)
    async with open_sms_app(sms_settings(db.url), knowledge, router) as app:
        yield app


async def test_a_long_answer_is_cut_with_plus_and_continues_on_plus(sms_faq: SmsApp) -> None:
    first = await sms_faq.say("double nationalité ?")
    assert len(first) == 1
    assert first[0].endswith("Envoyez PLUS pour la suite.")
    assert segments(first[0]).segments <= 2
    assert is_gsm7(first[0])
    assert "Le Mali admet la double nationalit" in first[0]

    received = [first[0].removesuffix("Envoyez PLUS pour la suite.")]
    for _ in range(5):
        more = await sms_faq.say("PLUS")
        assert len(more) == 1 and segments(more[0]).segments <= 2
        received.append(more[0].removesuffix("Envoyez PLUS pour la suite."))
        if not more[0].endswith("Envoyez PLUS pour la suite."):
            break
    else:
        pytest.fail("the answer never ended")
    whole = " ".join(" ".join(received).split())
    assert "article 249" in whole
    assert "A la demande de la diaspora" in whole  # "À" is not GSM-7
    assert whole.endswith("dans votre pays de résidence.")
    assert "pas de suite" in (await sms_faq.say("PLUS"))[0]


async def test_run_turns_sms_on_when_twilio_is_configured(
    db: Database, knowledge: Knowledge
) -> None:
    from bot.cli.run import channel_services

    on = await Services.start(sms_settings(db.url), knowledge=knowledge, upgrade=False)
    off = await Services.start(
        sms_settings(db.url, twilio_auth_token=""), knowledge=knowledge, upgrade=False
    )
    try:
        (channel,) = channel_services(on)
        assert channel.name == "sms" and channel.sender.channel == "sms"
        assert {route.path for route in channel.routes()} == {"/sms/twilio", "/sms/twilio/status"}
        assert channel_services(off) == []
    finally:
        await on.close()
        await off.close()
