"""After the bridge: attendance reports, follow-up conferences and deadlines, snapshot kinds

Revision ID: after_0001
Revises: rel_0001 (re-chained after merging main; written against 0c754acb8445)
"""
import sqlalchemy as sa
from alembic import op

import bridgeops.core.types

revision = "after_0001"
down_revision = "map_0001"
branch_labels = None
depends_on = None


def upgrade():
    # Existing snapshots are all headcount returns: the server default backfills them.
    with op.batch_alter_table("return_snapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="headcount",
                                      nullable=False))
        batch_op.create_check_constraint(
            "kind", "kind IN ('headcount', 'attendance', 'followup')")

    op.create_table(
        "attendance_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("reported_by", sa.String(length=254), nullable=False),
        sa.Column("reported_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("present >= 0", name=op.f("ck_attendance_report_present_not_negative")),
        sa.ForeignKeyConstraint(["point_id"], ["bridge_point.id"], ondelete="CASCADE",
                                name=op.f("fk_attendance_report_point_id_bridge_point")),
        sa.ForeignKeyConstraint(["session_id"], ["conference_session.id"], ondelete="CASCADE",
                                name=op.f("fk_attendance_report_session_id_conference_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_report")),
        sa.UniqueConstraint("session_id", "point_id",
                            name=op.f("uq_attendance_report_session_id")),
    )
    with op.batch_alter_table("attendance_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_report_point_id"), ["point_id"])
        batch_op.create_index(batch_op.f("ix_attendance_report_session_id"), ["session_id"])

    op.create_table(
        "followup_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('province', 'district', 'commune')",
                           name=op.f("ck_followup_deadline_level")),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"],
                                name=op.f("fk_followup_deadline_conference_id_conference")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_deadline")),
        sa.UniqueConstraint("conference_id", "level",
                            name=op.f("uq_followup_deadline_conference_id")),
    )
    with op.batch_alter_table("followup_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_deadline_conference_id"), ["conference_id"])

    op.create_table(
        "followup_conference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=True),
        sa.Column("presenter", sa.String(length=200), nullable=False),
        sa.Column("officials", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("women", sa.Integer(), nullable=False),
        sa.Column("branches_total", sa.Integer(), nullable=False),
        sa.Column("branches_reached", sa.Integer(), nullable=False),
        sa.Column("chair_name", sa.String(length=120), nullable=False),
        sa.Column("chair_phone", sa.String(length=20), nullable=False),
        sa.Column("chair_email", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("format IN ('in_person', 'online')",
                           name=op.f("ck_followup_conference_format")),
        sa.CheckConstraint("branches_reached <= branches_total",
                           name=op.f("ck_followup_conference_branches_within_total")),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"],
                                name=op.f("fk_followup_conference_conference_id_conference")),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"],
                                name=op.f("fk_followup_conference_unit_code_admin_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_conference")),
        sa.UniqueConstraint("conference_id", "unit_code",
                            name=op.f("uq_followup_conference_conference_id")),
    )
    with op.batch_alter_table("followup_conference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_conference_conference_id"),
                              ["conference_id"])
        batch_op.create_index(batch_op.f("ix_followup_conference_unit_code"), ["unit_code"])


def downgrade():
    op.drop_table("followup_conference")
    op.drop_table("followup_deadline")
    op.drop_table("attendance_report")
    with op.batch_alter_table("return_snapshot", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_return_snapshot_kind"), type_="check")
        batch_op.drop_column("kind")
