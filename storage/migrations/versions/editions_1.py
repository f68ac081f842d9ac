"""forum registrations belong to an edition: a past edition's registration no longer blocks the
next one's

Revision ID: editions_1
Revises: sms_1
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "editions_1"
down_revision: Union[str, Sequence[str], None] = "sms_1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("edition_id", sa.Integer(), server_default="0", nullable=False)
        )
    # A registration made while an edition was open belongs to the latest edition of its forum
    # opened before it; one made before editions were recorded keeps 0.
    op.execute(
        "UPDATE registrations SET edition_id = COALESCE(("
        "SELECT MAX(e.id) FROM forum_editions e WHERE e.forum_id = registrations.forum_id "
        "AND e.opened_at <= registrations.created_at), 0)"
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("uq_registrations_live", sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index(
            "uq_registrations_live",
            ["forum_id", "edition_id", "contact_id"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )
        batch_op.create_index(
            batch_op.f("ix_registrations_edition_id"), ["edition_id"], unique=False
        )


def downgrade() -> None:
    # Several editions' live registrations of one person cannot share the old per-forum index:
    # keep the latest of each (the older editions' are cancelled, as they would have been).
    op.execute(
        "UPDATE registrations SET status = 'cancelled' WHERE status != 'cancelled' AND EXISTS ("
        "SELECT 1 FROM registrations later WHERE later.forum_id = registrations.forum_id "
        "AND later.contact_id = registrations.contact_id AND later.status != 'cancelled' "
        "AND later.id > registrations.id)"
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrations_edition_id"))
        batch_op.drop_index("uq_registrations_live", sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index(
            "uq_registrations_live",
            ["forum_id", "contact_id"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )
        batch_op.drop_column("edition_id")
