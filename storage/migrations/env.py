"""Alembic environment: runs on the connection `storage.db.Database.upgrade` hands over.

For `alembic revision --autogenerate` from a shell, set DATABASE_URL to a synchronous URL
(e.g. sqlite:///./data/dev.db); see docs/development.md.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

target_metadata = Base.metadata


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = os.environ.get("DATABASE_URL", "sqlite:///./data/alembic-dev.db")
    with create_engine(url).connect() as sync_connection:
        run_migrations(sync_connection)
        sync_connection.commit()
