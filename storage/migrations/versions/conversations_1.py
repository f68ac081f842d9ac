"""conversations: the subscription a STOP interrupted, and the FAQ entry answered last

Revision ID: conversations_1
Revises: i18n_1
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "conversations_1"
down_revision: Union[str, Sequence[str], None] = "polls_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "subscribed_before_stop", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("last_entry", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("last_entry")
        batch_op.drop_column("subscribed_before_stop")
