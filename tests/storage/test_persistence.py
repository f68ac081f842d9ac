"""State lives in the database: a flow survives a restart, and the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

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
    """Upgrading an up-to-date database keeps its revision, its schema and its rows."""

    def snapshot(connection) -> tuple:  # type: ignore[no-untyped-def]
        inspector = inspect(connection)
        tables = {
            name: sorted((c["name"], str(c["type"])) for c in inspector.get_columns(name))
            for name in inspector.get_table_names()
        }
        indexes = {name: sorted(i["name"] for i in inspector.get_indexes(name)) for name in tables}
        heads = MigrationContext.configure(connection).get_current_heads()
        return tables, indexes, heads

    async with db.transaction() as session:
        session.add(Contact(address="tel:+22376000001", channel="sms", language="fr"))
    async with db.engine.connect() as connection:
        before = await connection.run_sync(snapshot)
    assert not await db.pending_migrations()
    await db.upgrade()
    await db.upgrade()
    async with db.engine.connect() as connection:
        assert await connection.run_sync(snapshot) == before
    assert before[2]  # a revision is recorded
    async with db.read() as session:
        assert await session.scalar(select(Contact.address)) == "tel:+22376000001"


def test_migrations_form_one_line() -> None:
    """Features add migrations in parallel branches; main keeps them in one line (one head), so
    plain `alembic upgrade head` works for whoever runs it by hand."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
