"""Bad input gets a clear reply, never an exception, and is stored."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update

from storage.models import Contact, Message
from tests.chat import Chat

STRANGE = [
    "🙂🙂🙂 👋🏾",
    "مرحبا، أريد معلومات",  # right-to-left
    "\u202eevil\u202c text with a bidi override",
    "hello\x00\x07\x1b[31m with control characters",
    "'; DROP TABLE contacts; --",
    "<script>alert('x')</script><b>bold</b>",
    "{name} {0} %s %(x)s",  # format strings must not be interpreted
    "\t\n  \r\n",
]


@pytest.mark.parametrize("text", STRANGE)
async def test_strange_text_gets_a_reply_and_is_stored(chat: Chat, db, text: str) -> None:
    answer = await chat.say(text)
    assert answer.strip()
    async with db.transaction() as session:
        stored = await session.scalar(select(Message).where(Message.direction == "in"))
    assert stored.text == text.replace("\x00", "\ufffd")  # PostgreSQL cannot store NUL


async def test_empty_text_is_answered(chat: Chat) -> None:
    assert "aucun texte" in await chat.say("")


@pytest.mark.parametrize("text", ["\uffff", "\ufffe\ufdd0", "\U0010ffff \x07"])
async def test_unicode_non_characters_are_no_text(chat: Chat, db, text: str) -> None:
    # U+FFFF got "no sure answer" (a question searched in the FAQ, a knowledge gap for staff).
    assert "aucun texte" in await chat.say(text)
    assert "MENU" in chat.options or "QUESTIONS" in chat.options
    async with db.transaction() as session:  # kept as received, like any message
        stored = await session.scalar(select(Message).where(Message.direction == "in"))
    assert stored.text == text


async def test_ten_thousand_characters_are_refused_politely_and_stored(chat: Chat, db) -> None:
    text = "investir " * 1112  # 10,008 characters
    answer = await chat.say(text)
    assert "trop long" in answer and "1600" in answer
    async with db.transaction() as session:
        stored = await session.scalar(select(Message).where(Message.direction == "in"))
    assert len(stored.text) == 10_000  # what we keep of one message


async def test_the_length_limit_is_the_configured_one(chat: Chat) -> None:
    assert "pas de réponse sûre" in await chat.say("x" * 1600)  # read, not refused
    assert "trop long" in await chat.say("x" * 1601)


async def test_a_provider_retry_is_stored_once_and_answered_the_same(chat: Chat, db) -> None:
    first = await chat.send("menu", provider_id="SM123")
    again = await chat.send("menu", provider_id="SM123")
    assert again.duplicate
    assert [o.text for o in again.outgoing] == [o.text for o in first.outgoing]
    async with db.transaction() as session:
        inbound = (await session.scalars(select(Message).where(Message.direction == "in"))).all()
    assert len(inbound) == 1


async def test_a_bug_costs_an_apology_not_the_message(chat: Chat, db, monkeypatch) -> None:
    async def broken(ctx):
        raise RuntimeError("a bug")

    monkeypatch.setattr(chat.conversation.router, "fallback", broken)
    assert "problème technique" in await chat.say("une question")
    async with db.transaction() as session:
        stored = await session.scalar(select(Message).where(Message.direction == "in"))
    assert (stored.text, stored.status) == ("une question", "error")


async def test_punctuation_inside_one_word_is_not_a_bug(chat: Chat) -> None:
    """Folding makes "double-nationalité" two words; the raw text has one (a router crash)."""
    assert "2011-087" in await chat.say("double-nationalité")  # the dual nationality answer
    assert "pas de réponse sûre" in await chat.say("UNE_VIEILLE_COMMANDE")
    assert "I will answer you in English" in await chat.say("langue-en")


async def test_a_provider_retry_changes_nothing_the_first_delivery_did(chat: Chat, db) -> None:
    """Duplicates are found by the insert failing, after the contact is loaded: the retry must
    not run any handler again (here: switch the language back)."""
    english = await chat.send("LANGUE en", provider_id="SM1")
    await chat.send("LANGUE fr", provider_id="SM2")
    again = await chat.send("LANGUE en", provider_id="SM1")
    assert again.duplicate
    assert [o.text for o in again.outgoing] == [o.text for o in english.outgoing]
    assert "bonjour" in (await chat.say("bonjour")).lower()  # still French
    async with db.transaction() as session:
        stored = (await session.scalars(select(Message).where(Message.direction == "in"))).all()
    assert [m.provider_id for m in stored] == ["SM1", "SM2", None]


async def test_two_deliveries_of_one_message_at_once_are_stored_once(chat: Chat, db) -> None:
    """On PostgreSQL they truly race: the loser's insert waits for the winner, fails, replays."""
    first, second = await asyncio.gather(
        chat.send("aide", provider_id="SM9"), chat.send("aide", provider_id="SM9")
    )
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    assert [o.text for o in first.outgoing] == [o.text for o in second.outgoing]
    async with db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Message).where(Message.provider_id == "SM9")
        )
    assert count == 1


async def test_a_bug_does_not_keep_a_person_who_writes_unreachable(
    chat: Chat, db, monkeypatch
) -> None:
    await chat.say("bonjour")
    async with db.transaction() as session:
        await session.execute(update(Contact).values(unreachable=True))  # a provider said so

    async def broken(ctx):
        raise RuntimeError("a bug")

    monkeypatch.setattr(chat.conversation.router, "fallback", broken)
    assert "problème technique" in await chat.say("une question")
    async with db.transaction() as session:
        contact = await session.scalar(select(Contact).where(Contact.address == chat.address))
    assert not contact.unreachable  # they just wrote from this address
