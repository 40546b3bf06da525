"""chair contacts and units that take no part

Revision ID: chair_0001
Revises: after_0001
"""
from alembic import op
import sqlalchemy as sa
import bridgeops.core.types


revision = "chair_0001"
down_revision = "nat_0001"
branch_labels = None
depends_on = None


RETURN_COLUMNS = [
    ("return_recipient", 300, ""),
    ("return_code", 40, "BC"),
    ("return_signer_for", 120, "TM. BAN THƯỜNG VỤ"),
    ("return_signer_title", 120, ""),
    ("return_signer_name", 120, ""),
]


def upgrade():
    # Existing conferences get the defaults (server_default), nothing is lost.
    with op.batch_alter_table("conference", schema=None) as batch_op:
        for name, length, default in RETURN_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=default))
    op.create_table(
        "chair_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("updated_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"], ondelete="CASCADE",
                                name=op.f("fk_chair_contact_conference_id_conference")),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"],
                                name=op.f("fk_chair_contact_unit_code_admin_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chair_contact")),
        sa.UniqueConstraint("conference_id", "unit_code",
                            name=op.f("uq_chair_contact_conference_id")),
    )
    op.create_table(
        "unit_absence",
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("created_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"], ondelete="CASCADE",
                                name=op.f("fk_unit_absence_conference_id_conference")),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"],
                                name=op.f("fk_unit_absence_unit_code_admin_unit")),
        sa.PrimaryKeyConstraint("conference_id", "unit_code", name=op.f("pk_unit_absence")),
    )


def downgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        for name, _, _ in reversed(RETURN_COLUMNS):
            batch_op.drop_column(name)
    op.drop_table("unit_absence")
    op.drop_table("chair_contact")
