"""A person sees what is kept about them, and can erase it."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Contact, Message
from tests.chat import Chat


async def test_my_data_lists_what_is_kept_and_why(chat: Chat) -> None:
    await chat.say("bonjour")
    answer = await chat.say("mes données")
    assert "console:tester" in answer
    assert "messages échangés : 4" in answer  # bonjour, its two replies, and this question
    assert "SUPPRIMER" in answer


async def test_delete_needs_a_yes_and_erases_everything(chat: Chat, db) -> None:
    await chat.say("bonjour")
    assert "OUI" in await chat.say("supprimer")
    assert "effacées" in await chat.say("oui")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
        # Only the farewell is left, tied to no one.
        left = (await session.scalars(select(Message))).all()
        assert [m.contact_id for m in left] == [None]


async def test_anything_but_yes_keeps_the_data(chat: Chat, db) -> None:
    await chat.say("supprimer")
    assert "conservées" in await chat.say("non merci")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
