"""Polls as people live them: invited through the outbox on SMS and Telegram, in French and
English, answering by number, by word, with typos, changing their mind, saying STOP, answering
too late; and the results staff see."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select, update
from telegram import Bot

from bot.channels.render import render_for_sms
from bot.channels.telegram_render import render_telegram
from bot.channels.telegram_send import TelegramSender
from bot.conversation import Conversation
from bot.dispatcher import Dispatcher, DispatcherConfig
from bot.quiet_hours import QuietHours
from handlers import poll_sending
from knowledge.gsm7 import segments
from storage import poll_results as results_store
from storage.audience import Audience
from storage.db import Database
from storage.models import Contact, OutboxItem, PollAnswer, PollInvitation
from tests.chat import Chat, FakeClock
from tests.fakes.telegram_request import RecordingRequest
from tests.polls import (
    SMS_EN,
    SMS_FR,
    TG_EN,
    TG_FR,
    WEEK,
    Polls,
    Provider,
    invest,
    mixed_audience,
)
from tests.staff.people import add_people

QUIET = QuietHours.parse("21:00-08:00")


@pytest.fixture
async def polls(db: Database, knowledge, clock: FakeClock) -> Polls:
    """The example poll, created (no one invited yet)."""
    found = Polls(db, knowledge, clock, invest())
    await found.create()
    return found


@pytest.fixture
async def mixed(polls: Polls) -> Polls:
    """The poll created, and four people: SMS and Telegram, French and English."""
    await mixed_audience(polls.db)
    return polls


@pytest.fixture
async def invited(mixed: Polls) -> Polls:
    """The four people invited, their invitations received."""
    await mixed.send()
    await mixed.dispatch()
    return mixed


async def dispatch_telegram_for_real(
    db: Database, clock: FakeClock
) -> tuple[Provider, RecordingRequest]:
    """The real Telegram sender, its Bot API requests recorded at the HTTP seam."""
    request, sms_provider = RecordingRequest(), Provider("sms")
    async with Bot("123:TEST", request=request) as bot:
        providers = {"sms": sms_provider, "telegram": TelegramSender(bot)}
        config = DispatcherConfig(rates={}, worker_id="t")
        await Dispatcher(db, providers, config, clock=clock).run_until_idle()
    return sms_provider, request


def buttons(call: dict) -> list[str]:
    markup = call["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [button["callback_data"] for row in markup["inline_keyboard"] for button in row]


def sms(conversation: Conversation, address: str) -> Chat:
    return Chat(conversation, address, "sms", render=partial(render_for_sms, max_segments=2))


def telegram(conversation: Conversation, address: str) -> Chat:
    user = address.partition(":")[2]
    return Chat(conversation, address, "telegram", render=render_telegram, user_id=user)


async def test_a_poll_reaches_a_mixed_audience_and_is_answered_every_way(
    mixed: Polls, conversation: Conversation
) -> None:
    assert await mixed.send() == 4
    sms_provider, request = await dispatch_telegram_for_real(mixed.db, mixed.clock)

    # Each person's invitation, in their language; on SMS in GSM-7, within the 2-segment budget.
    (sms_fr,) = sms_provider.sent[SMS_FR]
    assert "Sondage du ministère : Investir au Mali" in sms_fr  # è is in GSM-7
    assert "Dans quel secteur investiriez-vous d'abord ?" in sms_fr and "2. Commerce" in sms_fr
    assert segments(sms_fr).encoding == "GSM-7" and segments(sms_fr).segments <= 2
    (sms_en,) = sms_provider.sent[SMS_EN]
    assert "Which sector would you invest in first?" in sms_en and "3. Housing" in sms_en
    # On Telegram the options are buttons under the invitation, as Telegram receives them.
    tg_fr, tg_en = request.calls("sendMessage")
    assert "Sondage du ministère : Investir au Mali" in tg_fr["text"]
    assert "Touchez votre réponse" in tg_fr["text"] and "2. Commerce" not in tg_fr["text"]
    assert "POLL invest_sector sector trade" in buttons(tg_fr)
    assert "Ministry poll: Investing in Mali" in tg_en["text"]
    assert len(buttons(tg_en)) == 5

    # By number on SMS: the invitation's numbers mean its options.
    sms_fr_chat = sms(conversation, SMS_FR)
    answer = await sms_fr_chat.say("2")
    assert "Noté : Commerce." in answer
    assert "(2/3) Qu'est-ce qui vous freine le plus ?" in answer
    assert "1. Le manque d'information" in answer  # the next question, numbered on SMS
    (reply,) = sms_fr_chat.turn.outgoing  # one SMS, within the budget, nothing left for PLUS
    assert segments(reply.text).segments <= 2 and "PLUS" not in reply.text

    # By word, in English, with capitals.
    sms_en_chat = sms(conversation, SMS_EN)
    assert "Noted: Housing." in await sms_en_chat.say("HOUSING")

    # With a typo and no accent, on Telegram; the next question comes with buttons.
    tg_fr_chat = telegram(conversation, TG_FR)
    answer = await tg_fr_chat.say("agricultur")
    assert "Noté : Agriculture." in answer
    assert "POLL invest_sector obstacle trust" in tg_fr_chat.options
    assert "Noté : La confiance." in await tg_fr_chat.say("POLL invest_sector obstacle trust")
    assert "Un mot pour le ministère ?" in tg_fr_chat.turn.outgoing[-1].text

    # By number typed on Telegram, under the invitation's buttons.
    tg_en_chat = telegram(conversation, TG_EN)
    assert "Noted: Trade." in await tg_en_chat.say("2")

    found = await mixed.results(by="country")
    sector = found["questions"][0]
    assert found["sent"] == 4 and found["respondents"] == 4
    assert sector["by"] == {
        "CI": {"trade": 1},
        "FR": {"agriculture": 1, "housing": 1},
        "ML": {"trade": 1},
    }
    counts = {o["value"]: (o["count"], o["percent"]) for o in sector["options"]}
    assert counts["trade"] == (2, 50.0) and counts["housing"] == (1, 25.0)
    assert "free_text" not in found["questions"][2]  # only admins see free text


async def test_a_changed_answer_replaces_the_first_and_says_so(
    invited: Polls, conversation: Conversation
) -> None:
    chat = telegram(conversation, TG_FR)
    await chat.say("1")
    # An old button of the first question, pressed again with another choice.
    answer = await chat.say("POLL invest_sector sector housing")
    assert "Réponse changée : Immobilier (au lieu de Agriculture)." in answer
    # On SMS, once every choice question is answered, a word changes the answer it names.
    sms_chat = sms(conversation, SMS_FR)
    await sms_chat.say("1")
    await sms_chat.say("2")
    assert "Merci d'avoir répondu" in await sms_chat.say("passer")
    assert "Réponse changée : Le financement (au lieu de La confiance)." in await sms_chat.say(
        "financement"
    )
    async with invited.db.transaction() as session:
        values = dict(
            (
                await session.execute(
                    select(PollAnswer.question_id, PollAnswer.value)
                    .join(Contact, Contact.id == PollAnswer.contact_id)
                    .where(Contact.address == SMS_FR)
                )
            ).all()
        )
    assert values == {"sector": "agriculture", "obstacle": "money"}
    assert await invited.count(PollAnswer) == 3  # one answer per person per question


async def test_after_closing_an_answer_gets_a_polite_note(
    invited: Polls, conversation: Conversation
) -> None:
    await invited.close()
    chat = sms(conversation, SMS_FR)
    answer = await chat.say("2")
    assert "est clos" in answer and "Merci de votre int" in answer
    assert "clos" in await chat.say("commerce")
    assert await invited.count(PollAnswer) == 0


async def test_stop_menu_and_questions_mid_poll_the_poll_waits(
    invited: Polls, conversation: Conversation
) -> None:
    chat = sms(conversation, SMS_FR)
    await chat.say("2")
    assert "Menu" in await chat.say("MENU")
    faq = await chat.say("double nationalite ?")
    assert "nationalit" in faq.lower() and "Noté" not in faq
    # The poll waited: the word answers the question it was at.
    assert "Noté : La confiance." in await chat.say("confiance")
    # STOP mid-poll: bulk messages stop, and the next poll does not invite this person.
    stop = await chat.say("STOP")
    assert "Noté" not in stop
    second = await invited.create(invited.another("second_poll"))
    invited.clock.advance(days=8)  # past the weekly limit: only STOP keeps them out
    assert await invited.send(second) == 3
    providers = await invited.dispatch()
    assert SMS_FR not in providers["sms"].sent


async def test_one_poll_invitation_a_week_at_most(mixed: Polls) -> None:
    await mixed.send(audience=Audience(channel="sms"))
    second = await mixed.create(mixed.another("second_poll"))
    mixed.clock.advance(days=3)
    async with mixed.db.transaction() as session:
        shown = await poll_sending.preview(
            session, mixed.knowledge.locales, second, Audience(), now=mixed.clock(), interval=WEEK
        )
    assert shown.total == 2  # the SMS people were invited 3 days ago
    assert await mixed.send(second) == 2
    assert await mixed.send(second) == 0  # each person once per poll
    mixed.clock.advance(days=5)
    third = await mixed.create(mixed.another("third_poll"))
    assert await mixed.send(third) == 2  # SMS people: 8 days since


async def test_sondage_lists_the_open_polls_and_joins_one(
    mixed: Polls, conversation: Conversation
) -> None:
    chat = telegram(conversation, TG_FR)
    assert "Aucun sondage n'est ouvert" in await chat.say("SONDAGE")
    await mixed.send(audience=Audience(channel="telegram"))
    # Someone who came after the send, in its audience, joins by keyword.
    newcomer = telegram(conversation, "telegram:5003")
    await newcomer.say("bonjour")
    answer = await newcomer.say("sondage")
    assert "Sondage : Investir au Mali" in answer
    assert "POLL invest_sector sector trade" in newcomer.options
    assert "Noté : Commerce." in await newcomer.say("commerce")
    # Someone outside every audience of the poll cannot join it, even by naming it.
    outsider = sms(conversation, "tel:+22376009999")
    assert "Aucun sondage n'est ouvert" in await outsider.say("SONDAGE")
    assert "Je ne trouve pas ce sondage" in await outsider.say("POLL invest_sector")
    found = await mixed.results()
    assert found["sent"] == 3 and found["respondents"] == 1  # two invited, one joined


async def test_answers_are_shown_in_my_data_and_erased_with_it(
    invited: Polls, conversation: Conversation
) -> None:
    chat = telegram(conversation, TG_EN)
    await chat.say("trade")
    await chat.say("distance")
    await chat.say("More schools, please")
    for_admins = await invited.results(free_text=True)
    for_others = await invited.results()
    assert for_admins["questions"][2]["free_text"] == ["More schools, please"]
    assert "free_text" not in for_others["questions"][2]
    assert "More schools" not in json.dumps(for_others)
    mine = await chat.say("MY DATA")
    assert "Your poll answers" in mine
    assert "Which sector would you invest in first? Trade" in mine
    assert "More schools, please" in mine
    await chat.say("DELETE")
    assert "erased" in await chat.say("YES")
    assert await invited.count(PollAnswer) == 0
    assert await invited.count(PollInvitation) == 3


async def test_an_invitation_waiting_in_the_outbox_takes_no_answer(
    mixed: Polls, conversation: Conversation
) -> None:
    """Words are answers only to an invitation the person has received."""
    await mixed.send()  # queued, not dispatched yet
    chat = telegram(conversation, TG_FR)
    assert "Noté" not in await chat.say("commerce")
    assert await mixed.count(OutboxItem, OutboxItem.kind == "poll") == 4


async def test_a_thousand_respondents_answer_and_are_tallied(
    polls: Polls, conversation: Conversation
) -> None:
    """Each of 1,000 people answers in a conversation turn of their own: the number, the word
    or a misspelt word, each on their channel; the tallies match what they said."""
    countries = ("FR", "CI", "GA", "ML", None)
    values = ("agriculture", "trade", "housing", "industry", "services")
    people = [
        {
            "address": f"tel:+2237{n:07d}" if n % 2 else f"telegram:{100000 + n}",
            "channel": "sms" if n % 2 else "telegram",
            "language": "en" if n % 3 == 0 else "fr",
            "country": countries[n % 5],
        }
        for n in range(1000)
    ]
    ids = await add_people(polls.db, *people)
    assert await polls.send() == 1000
    async with polls.db.transaction() as session:
        await session.execute(update(OutboxItem).values(status="sent"))  # as if dispatched
    said = {  # value -> what people type: its number, its word, a misspelt word
        "agriculture": ("1", "agriculture", "agricultur"),
        "trade": ("2", "COMMERCE", "comerce"),
        "housing": ("3", "housing", "immobiler"),
        "industry": ("4", "Industrie", "industri"),
        "services": ("5", "services", "service"),
    }
    expected: dict[str, dict[str, int]] = {}
    for n, (person, contact_id) in enumerate(zip(people, ids, strict=True)):
        value = values[(contact_id * 7) % 5]
        chat = Chat(conversation, person["address"], person["channel"])
        assert "Not" in await chat.say(said[value][n % 3])  # Noté / Noted
        group = person["country"] or results_store.UNKNOWN_GROUP
        expected.setdefault(group, {}).setdefault(value, 0)
        expected[group][value] += 1
    found = await polls.results(by="country")
    by_channel = await polls.results(by="channel")
    sector = found["questions"][0]
    assert found["sent"] == 1000 and found["respondents"] == 1000
    assert sector["answers"] == 1000
    assert sector["by"] == expected
    assert sum(o["count"] for o in sector["options"]) == 1000
    assert round(sum(o["percent"] for o in sector["options"])) == 100
    assert sum(by_channel["questions"][0]["by"]["sms"].values()) == 500


async def test_invitations_wait_for_the_end_of_quiet_hours(mixed: Polls) -> None:
    mixed.clock.now = mixed.clock.now.replace(hour=22)  # 22:00 in Bamako (and 23:00 in Paris)
    await mixed.send()
    providers = await mixed.dispatch(quiet=QUIET)
    assert providers["sms"].sent == {} and providers["telegram"].sent == {}
    mixed.clock.advance(hours=11)  # 09:00 in Bamako, 10:00 in Paris and Abidjan's 09:00
    await mixed.dispatch(providers, quiet=QUIET)
    assert set(providers["sms"].sent) == {SMS_FR, SMS_EN}
    assert set(providers["telegram"].sent) == {TG_FR, TG_EN}


async def test_forged_stale_or_odd_poll_commands_get_a_clear_answer(
    invited: Polls, conversation: Conversation
) -> None:
    chat = telegram(conversation, TG_FR)
    # A value that is no option: the poll is shown where it stands, nothing is recorded.
    answer = await chat.say("POLL invest_sector sector bitcoin")
    assert "Dans quel secteur investiriez-vous d'abord ?" in answer
    assert "POLL invest_sector sector trade" in chat.options
    assert "Je ne trouve pas ce sondage" in await chat.say("POLL 🌱\uffff")
    assert "Je ne trouve pas ce sondage" in await chat.say("POLL " + "x" * 1500)
    assert "Je ne trouve pas ce sondage" in await chat.say("POLL other_poll sector trade")
    # A sentence that starts with the word is a question, for the FAQ.
    faq = await chat.say("sondage sur la double nationalité ?")
    assert "code de la nationalité" in faq and "Je ne trouve pas" not in faq
    assert await invited.count(PollAnswer) == 0


async def test_a_poll_sent_for_later_waits_for_its_time(
    mixed: Polls, conversation: Conversation
) -> None:
    await mixed.send(audience=Audience(channel="sms"), at=mixed.clock() + timedelta(hours=3))
    assert (await mixed.dispatch())["sms"].sent == {}
    chat = sms(conversation, SMS_FR)
    assert "Noté" not in await chat.say("commerce")  # not received yet: an ordinary word
    mixed.clock.advance(hours=3)
    assert set((await mixed.dispatch())["sms"].sent) == {SMS_FR, SMS_EN}
    assert "Noté : Commerce." in await chat.say("commerce")


async def test_people_who_stop_before_their_invitation_goes_are_not_counted_as_sent(
    mixed: Polls, conversation: Conversation
) -> None:
    await mixed.send()
    await sms(conversation, SMS_EN).say("ARRET")
    providers = await mixed.dispatch()
    assert SMS_EN not in providers["sms"].sent
    await telegram(conversation, TG_FR).say("2")
    found = await mixed.results()
    assert found["sent"] == 3 and found["respondents"] == 1


async def test_a_number_means_what_the_last_message_received_showed(
    mixed: Polls, conversation: Conversation
) -> None:
    """The menu is on screen when the poll is queued in quiet hours: "2" is still the menu's
    second entry. Once the invitation has arrived, "2" is its second option."""
    chat = sms(conversation, SMS_FR)
    await chat.say("MENU")
    menu_second = chat.options[1]
    mixed.clock.now = mixed.clock.now.replace(hour=22)
    await mixed.send()
    providers = await mixed.dispatch(quiet=QUIET)
    second_entry = await chat.say("2")  # the menu's second entry, as the person meant
    assert "Noté" not in second_entry
    assert second_entry in await sms(conversation, "tel:+22376000077").say(menu_second)
    assert await mixed.count(PollAnswer) == 0
    mixed.clock.advance(hours=11)
    await mixed.dispatch(providers, quiet=QUIET)
    assert SMS_FR in providers["sms"].sent
    assert "Noté : Commerce." in await chat.say("2")
