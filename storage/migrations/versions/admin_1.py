"""admin: staff accounts and their sessions (back office); indexes for the overview

Revision ID: admin_1
Revises: i18n_1
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "admin_1"
down_revision: Union[str, Sequence[str], None] = "forums_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("telegram_user_id", sa.String(length=32), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_accounts_email")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_staff_accounts_telegram_user_id")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_accounts.id"],
            name=op.f("fk_staff_sessions_staff_id_staff_accounts"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])
    op.create_index("ix_messages_created_direction", "messages", ["created_at", "direction"])
    op.create_index(
        "ix_contacts_profile", "contacts", ["staff_chat", "channel", "language", "country"]
    )
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at"])
    op.create_index("ix_knowledge_gaps_count", "knowledge_gaps", ["count"])


def downgrade() -> None:
    op.drop_index("ix_knowledge_gaps_count", table_name="knowledge_gaps")
    op.drop_index("ix_tickets_status_created", table_name="tickets")
    op.drop_index("ix_contacts_profile", table_name="contacts")
    op.drop_index("ix_messages_created_direction", table_name="messages")
    op.drop_index(op.f("ix_staff_sessions_staff_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
