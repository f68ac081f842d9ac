"""SMS providers: the provider carrying each outbox row, and the providers' health

Revision ID: sms_1
Revises: admin_1 (outbox_1 on the branch; the others landed first)
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "sms_1"
down_revision: Union[str, Sequence[str], None] = "conversations_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=16), nullable=True))
    op.create_table(
        "sms_provider_health",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("last_heard_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("provider"),
    )


def downgrade() -> None:
    op.drop_table("sms_provider_health")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("provider")
