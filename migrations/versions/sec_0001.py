"""security: per-user and per-link session versions (logout ends every copy of a cookie)

Revision ID: sec_0001
Revises: 0c754acb8445
"""
from alembic import op
import sqlalchemy as sa


revision = "sec_0001"
down_revision = "0c754acb8445"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1",
                                      nullable=False))
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
