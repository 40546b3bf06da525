"""conference: unit map, copied-from, archived

Revision ID: conf_0001
Revises: 0c754acb8445
"""
import sqlalchemy as sa
from alembic import op

import bridgeops.core.types

revision = "conf_0001"
down_revision = "sec_0001"
branch_labels = None
depends_on = None


def upgrade():
    # Existing conferences were all set up on the 2023 map: the server default backfills them.
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_map", sa.String(length=4), server_default="2023",
                                      nullable=False))
        batch_op.add_column(sa.Column("copied_from_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("archived_at",
                                      bridgeops.core.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_conference_copied_from_id_conference"),
                                    "conference", ["copied_from_id"], ["id"])


def downgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_conference_copied_from_id_conference"),
                                 type_="foreignkey")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("copied_from_id")
        batch_op.drop_column("unit_map")
