"""stored workbooks: finished XLSX files shared by every worker and node

Revision ID: workbook_0001
Revises: throughput_0001
"""
from alembic import op
import sqlalchemy as sa
import bridgeops.core.types


revision = "workbook_0001"
down_revision = "throughput_0001"
branch_labels = None
depends_on = None


def upgrade():
    # A new, empty table: workbooks are built again on demand.
    op.create_table(
        "stored_workbook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("as_of", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"],
                                name=op.f("fk_stored_workbook_conference_id_conference")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_workbook")),
        sa.UniqueConstraint("key", name=op.f("uq_stored_workbook_key")),
    )
    op.create_index(op.f("ix_stored_workbook_conference_id"), "stored_workbook", ["conference_id"])


def downgrade():
    op.drop_index(op.f("ix_stored_workbook_conference_id"), table_name="stored_workbook")
    op.drop_table("stored_workbook")
