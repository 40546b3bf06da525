"""Units of two maps side by side (2023, 2025).

Existing units are the 2023 map: their key stays their code, and their GSO code is that code.
Only columns and an index are added: on SQLite a batch (copy-and-swap) of admin_unit would fail
once other rows point at it (foreign keys are on).

Revision ID: map_0001
Revises: rel_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "map_0001"
down_revision = "rel_0001"  # the lead re-chains at merge; one head here
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("admin_unit", sa.Column("map", sa.String(length=4), server_default="2023",
                                          nullable=False))
    # SQLite adds a NOT NULL column only with a default; the backfill below replaces it.
    op.add_column("admin_unit", sa.Column("gso_code", sa.String(length=10), server_default="",
                                          nullable=False))
    op.add_column("admin_unit", sa.Column("former_district", sa.String(length=120),
                                          server_default="", nullable=False))
    op.execute("UPDATE admin_unit SET gso_code = code")
    if not sqlite:
        op.alter_column("admin_unit", "gso_code", server_default=None)
    op.create_index("uq_admin_unit_map_gso_code", "admin_unit", ["map", "gso_code"], unique=True)


def downgrade():
    op.execute("DELETE FROM admin_unit WHERE map <> '2023'")
    op.drop_index("uq_admin_unit_map_gso_code", table_name="admin_unit")
    op.drop_column("admin_unit", "former_district")
    op.drop_column("admin_unit", "gso_code")
    op.drop_column("admin_unit", "map")
