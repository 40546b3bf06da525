"""federated returns of every kind: attendance and follow-up reports beside the headcount

Revision ID: fed_0001
Revises: schema_0001
"""
from alembic import op
import sqlalchemy as sa


revision = "fed_0001"
down_revision = "schema_0001"
branch_labels = None
depends_on = None


def upgrade():
    # Every return already received is a headcount return (the only kind TW took so far).
    with op.batch_alter_table("federated_return", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                      server_default="headcount"))
        batch_op.add_column(sa.Column("subject", sa.String(length=64), nullable=False,
                                      server_default=""))


def downgrade():
    # Only headcount returns fit the older schema; the other kinds go with their columns.
    op.execute("DELETE FROM federated_return WHERE kind <> 'headcount'")
    with op.batch_alter_table("federated_return", schema=None) as batch_op:
        batch_op.drop_column("subject")
        batch_op.drop_column("kind")
