"""State lives in the database: a flow survives a restart, and the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.conversation import Conversation
from storage.db import Database
from storage.models import Base, Contact
from tests.chat import Chat


async def test_a_flow_resumes_after_a_restart(
    db_url: str, db: Database, knowledge, config
) -> None:
    before = Chat(Conversation(db, knowledge, config))
    assert "OUI" in await before.say("supprimer")
    await db.dispose()  # the process dies

    restarted = Database(db_url)  # a new engine on the same database
    try:
        after = Chat(Conversation(restarted, knowledge, config))
        assert "effacées" in await after.say("oui")
        async with restarted.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Contact)) == 0
    finally:
        await restarted.dispose()


async def test_migrations_create_exactly_the_models(db: Database) -> None:
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_upgrade_twice_changes_nothing(db: Database) -> None:
    await db.upgrade()
    await db.upgrade()


def test_migrations_form_one_line() -> None:
    """Features add migrations in parallel branches; main keeps them in one line (one head), so
    plain `alembic upgrade head` works for whoever runs it by hand."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
