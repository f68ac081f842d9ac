"""staff tools: the staff group flag on contacts, SMS texts of broadcasts

Revision ID: staff_1
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "staff_1"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staff_chat", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sms_text_fr", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sms_text_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("sms_text_en")
        batch_op.drop_column("sms_text_fr")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("staff_chat")
