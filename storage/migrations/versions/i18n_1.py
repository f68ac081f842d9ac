"""languages: the language notes a contact has already been given

Revision ID: i18n_1
Revises: outbox_1
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "i18n_1"
down_revision: Union[str, Sequence[str], None] = "outbox_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language_notices", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("language_notices")
