"""federation: provinces registered at TW and the returns they submitted

Revision ID: nat_0001
Revises: after_0001
Create Date: 2026-11-30 15:00:00

"""
from alembic import op
import sqlalchemy as sa
import bridgeops.core.types


# revision identifiers, used by Alembic.
revision = "nat_0001"
down_revision = "after_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "federated_province",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("registered_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federated_province")),
        sa.UniqueConstraint("code", name=op.f("uq_federated_province_code")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_federated_province_token_hash")),
    )
    op.create_table(
        "federated_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("frozen_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("frozen_by", sa.String(length=254), nullable=False),
        sa.Column("received_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"],
                                name=op.f("fk_federated_return_conference_id_conference")),
        sa.ForeignKeyConstraint(["province_id"], ["federated_province.id"],
                                name=op.f("fk_federated_return_province_id_federated_province")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federated_return")),
        sa.UniqueConstraint("conference_id", "province_id", "sha256",
                            name=op.f("uq_federated_return_conference_id")),
    )
    with op.batch_alter_table("federated_return", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_federated_return_conference_id"), ["conference_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_federated_return_province_id"), ["province_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("federated_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federated_return_province_id"))
        batch_op.drop_index(batch_op.f("ix_federated_return_conference_id"))
    op.drop_table("federated_return")
    op.drop_table("federated_province")
