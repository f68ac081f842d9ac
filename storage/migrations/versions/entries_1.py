"""entries: which FAQ entry a reply answered (most asked entries); an index for limit hits

Revision ID: entries_1
Revises: editions_1

`messages.entry_id` is set on the first stored reply of a turn the FAQ answered (no personal
data: an entry's id). The overview counts answers per entry over 30 days from a partial index
holding answered replies only, and the recent cost-limit hits from a partial index holding
messages with an error code only: neither grows with the rest of the message log.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "entries_1"
down_revision: Union[str, Sequence[str], None] = "editions_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_id", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_messages_answered",
        "messages",
        ["created_at", "entry_id"],
        sqlite_where=sa.text("entry_id IS NOT NULL"),
        postgresql_where=sa.text("entry_id IS NOT NULL"),
    )
    op.create_index(
        "ix_messages_errors",
        "messages",
        ["created_at"],
        sqlite_where=sa.text("error_code IS NOT NULL"),
        postgresql_where=sa.text("error_code IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_errors", table_name="messages")
    op.drop_index("ix_messages_answered", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("entry_id")
