"""Meaning in the schema: grant kind and nonce columns, CHECKs on statuses, roles and kinds

Revision ID: schema_0001
Revises: chair_0001

A technician's own invite link was told apart by a label "invite:<nonce>"; it now has
kind = 'invite' and its nonce in its own column, and a label people can read. Every status,
role and kind column gets a CHECK listing its allowed values (the StrEnums of the models).
"""
import sqlalchemy as sa
from alembic import op

revision = "schema_0001"
down_revision = "chair_0001"
branch_labels = None
depends_on = None

HEALTH_STATES = ("unknown", "up", "pending", "down", "unreachable")
#: The allowed values as this revision knows them (the models' StrEnums may grow later).
CHECKS = [
    ("user", "role", ("admin", "officer", "viewer")),
    ("access_grant", "role", ("chair", "technician", "api", "feed", "invite")),
    ("access_grant", "kind", ("issued", "invite")),
    ("bridge_point", "status", ("draft", "confirmed", "withdrawn")),
    ("contact", "role", ("technician", "chair")),
    ("conference_session", "kind", ("rehearsal", "session")),
    ("invite", "status", ("active", "cancelled")),
    ("outbox_message", "status", ("pending", "sent", "failed")),
    ("point_health", "state", HEALTH_STATES),
    ("health_change", "from_state", HEALTH_STATES),
    ("health_change", "to_state", HEALTH_STATES),
    ("health_incident", "kind", ("down", "unreachable")),
]
NONCE_CHECK = (
    "(kind = 'invite' AND role = 'technician' AND nonce IS NOT NULL)"
    " OR (kind = 'issued' AND nonce IS NULL)"
)
PREFIX = "invite:"
INVITE_LABEL = " (đường dẫn trong thư mời)"


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), server_default="issued", nullable=False))
        batch_op.add_column(sa.Column("nonce", sa.String(length=64), nullable=True))
    # "invite:<nonce>" → kind, nonce, and a label naming the technician.
    op.execute(
        sa.text(
            "UPDATE access_grant SET kind = 'invite', nonce = substr(label, :start), "
            "label = COALESCE((SELECT 'Kỹ thuật viên ' || contact.name || :suffix FROM contact "
            "WHERE contact.id = access_grant.contact_id), :fallback) "
            "WHERE role = 'technician' AND substr(label, 1, :length) = :prefix"
        ).bindparams(
            start=len(PREFIX) + 1,
            length=len(PREFIX),
            prefix=PREFIX,
            suffix=INVITE_LABEL,
            fallback="Kỹ thuật viên" + INVITE_LABEL,
        )
    )
    tables = {}
    for table, column, values in CHECKS:
        tables.setdefault(table, []).append((column, values))
    for table, checks in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in checks:
                batch_op.create_check_constraint(column, _in(column, values))
            if table == "access_grant":
                batch_op.create_check_constraint("nonce_of_invite_links", NONCE_CHECK)


def downgrade():
    tables = {}
    for table, column, _ in CHECKS:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "access_grant":
                batch_op.drop_constraint(op.f("ck_access_grant_nonce_of_invite_links"), type_="check")
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
    op.execute(
        sa.text("UPDATE access_grant SET label = :prefix || nonce WHERE kind = 'invite'").bindparams(
            prefix=PREFIX
        )
    )
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.drop_column("nonce")
        batch_op.drop_column("kind")
