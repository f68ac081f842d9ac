"""outbox: awareness progress per scheduled run; outbox indexes by person and for claims

Revision ID: outbox_1
Revises: staff_1
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "outbox_1"
down_revision: Union[str, Sequence[str], None] = "staff_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awareness_last_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_queue",
            ["channel", "next_attempt_at", "id"],
            unique=False,
            sqlite_where=sa.text("status = 'queued'"),
            postgresql_where=sa.text("status = 'queued'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_queue")
        batch_op.drop_index(batch_op.f("ix_outbox_contact_id"))
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("awareness_last_at")
