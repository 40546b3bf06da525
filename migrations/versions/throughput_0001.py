"""invite backlog: points whose invites the outbox job reconciles after the commit

Revision ID: throughput_0001
Revises: fed_0001
"""
from alembic import op
import sqlalchemy as sa
import bridgeops.core.types


revision = "throughput_0001"
down_revision = "fed_0001"
branch_labels = None
depends_on = None


def upgrade():
    # A new, empty table: nothing to carry over (invites of existing points are already queued).
    op.create_table(
        "invite_backlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["bridge_point.id"], ondelete="CASCADE",
                                name=op.f("fk_invite_backlog_point_id_bridge_point")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_backlog")),
    )


def downgrade():
    op.drop_table("invite_backlog")
