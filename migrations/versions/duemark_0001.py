"""invites due: a mark on the point instead of an invite_backlog row

Revision ID: duemark_0001
Revises: workbook_0001

``invite_backlog`` stays: workers of the previous release keep writing it until the reload that
follows ``init-db``, and the outbox job folds their rows into marks. A later revision drops it.
"""
from alembic import op
import sqlalchemy as sa
import bridgeops.core.types


revision = "duemark_0001"
down_revision = "workbook_0001"
branch_labels = None
depends_on = None

DUE = sa.text("invites_due_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table("bridge_point", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invites_due_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        op.f("ix_bridge_point_invites_due_at"),
        "bridge_point",
        ["invites_due_at"],
        sqlite_where=DUE,
        postgresql_where=DUE,
    )


def downgrade():
    # What is due goes back to the backlog, where the previous release's job looks.
    op.execute(
        "INSERT INTO invite_backlog (point_id, created_at) "
        "SELECT id, invites_due_at FROM bridge_point WHERE invites_due_at IS NOT NULL"
    )
    op.drop_index(op.f("ix_bridge_point_invites_due_at"), table_name="bridge_point")
    with op.batch_alter_table("bridge_point", schema=None) as batch_op:
        batch_op.drop_column("invites_due_at")
