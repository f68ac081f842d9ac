"""content: urgent counsellor requests (someone in danger on the route)

Revision ID: forums_1
Revises: outbox_1
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "forums_1"
down_revision: Union[str, Sequence[str], None] = "outbox_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("urgent")
