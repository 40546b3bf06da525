"""Reliability: random keys for UIDs and Message-IDs, Idempotency-Key, /healthz write check

The new keys of rows that already exist are their ids, so the calendar UIDs and Message-IDs
already sent stay exactly what they were; rows created from now on get random keys.

Revision ID: rel_0001
Revises: sec_0001 (chained after the security migration when main was merged)
"""
import sqlalchemy as sa
from alembic import op

import bridgeops.core.types

revision = "rel_0001"
down_revision = "conf_0001"
branch_labels = None
depends_on = None

#: Tables that get a random key, and its column.
KEYED = (("bridge_point", "uid_key"), ("conference_session", "uid_key"),
         ("outbox_message", "message_key"))


def upgrade():
    for table, column in KEYED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.String(length=32), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET {column} = CAST(id AS VARCHAR(32))"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(length=32), nullable=False)
    op.create_table(
        "write_check",
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("written_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_write_check")),
    )
    op.create_table(
        "point_idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bridgeops.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"],
                                name=op.f("fk_point_idempotency_key_conference_id_conference")),
        sa.ForeignKeyConstraint(["point_id"], ["bridge_point.id"], ondelete="CASCADE",
                                name=op.f("fk_point_idempotency_key_point_id_bridge_point")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_idempotency_key")),
        sa.UniqueConstraint("actor", "key", name=op.f("uq_point_idempotency_key_actor")),
    )
    with op.batch_alter_table("point_idempotency_key") as batch:
        batch.create_index(batch.f("ix_point_idempotency_key_point_id"), ["point_id"],
                           unique=False)


def downgrade():
    with op.batch_alter_table("point_idempotency_key") as batch:
        batch.drop_index(batch.f("ix_point_idempotency_key_point_id"))
    op.drop_table("point_idempotency_key")
    op.drop_table("write_check")
    for table, column in reversed(KEYED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
