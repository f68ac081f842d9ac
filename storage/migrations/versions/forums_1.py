"""content and forums: urgent counsellor requests; forum editions opened by staff; interest list

Revision ID: forums_1
Revises: i18n_1 (main's head when this branch merged main; the lead re-chains at merge)
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "forums_1"
down_revision: Union[str, Sequence[str], None] = "i18n_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "forum_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_editions")),
    )
    op.create_index(
        op.f("ix_forum_editions_forum_id"), "forum_editions", ["forum_id"], unique=False
    )
    op.create_table(
        "forum_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_forum_interest_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_interest")),
        sa.UniqueConstraint(
            "contact_id", "forum_id", name=op.f("uq_forum_interest_contact_id")
        ),
    )
    op.create_index(
        op.f("ix_forum_interest_contact_id"), "forum_interest", ["contact_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_forum_interest_contact_id"), table_name="forum_interest")
    op.drop_table("forum_interest")
    op.drop_index(op.f("ix_forum_editions_forum_id"), table_name="forum_editions")
    op.drop_table("forum_editions")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("urgent")
