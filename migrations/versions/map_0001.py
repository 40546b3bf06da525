"""Units of two maps side by side (2023, 2025); a conference records its map and its source.

Existing units are the 2023 map: their key stays their code, and their GSO code is that code.
Existing conferences are on the 2023 map.

Revision ID: map_0001
Revises: 0c754acb8445
"""
import sqlalchemy as sa
from alembic import op

revision = "map_0001"
down_revision = "0c754acb8445"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("map", sa.String(length=4), server_default="2023",
                                      nullable=False))
        batch_op.add_column(sa.Column("gso_code", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("former_district", sa.String(length=120), server_default="",
                                      nullable=False))
    op.execute("UPDATE admin_unit SET gso_code = code")
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.alter_column("gso_code", existing_type=sa.String(length=10), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_admin_unit_map"), ["map", "gso_code"])
        batch_op.create_check_constraint("map", "map IN ('2023', '2025')")

    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_map", sa.String(length=4), server_default="2023",
                                      nullable=False))
        batch_op.add_column(sa.Column("copied_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_conference_copied_from_id_conference"),
                                    "conference", ["copied_from_id"], ["id"])


def downgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_conference_copied_from_id_conference"),
                                 type_="foreignkey")
        batch_op.drop_column("copied_from_id")
        batch_op.drop_column("unit_map")
    op.execute("DELETE FROM admin_unit WHERE map <> '2023'")
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_admin_unit_map"), type_="unique")
        batch_op.drop_constraint("ck_admin_unit_map", type_="check")
        batch_op.drop_column("former_district")
        batch_op.drop_column("gso_code")
        batch_op.drop_column("map")
