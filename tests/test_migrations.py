"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bridgeops import create_app
from bridgeops.extensions import db
from tests.conftest import private_database


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    """An empty database of this test's own (on PostgreSQL: created now, dropped after)."""
    url = os.environ.get("BRIDGEOPS_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    fresh, drop = private_database(url, suffix="migrations_")
    try:
        yield fresh
    finally:
        drop()


def test_init_db_upgrades_to_a_schema_matching_the_models(fresh_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": fresh_database_url})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        db.engine.dispose()
    assert diff == []


#: The first migration: the tables the rows below are written into are as it made them.
INITIAL_REVISION = "0c754acb8445"


def test_the_upgrade_keeps_the_uids_and_message_ids_already_sent(fresh_database_url):
    """Rows from before the random keys get their id as key: the UID "session-3-point-17@…"
    and the Message-ID "<outbox-5.…>" sent before the upgrade stay exactly the same."""
    from flask_migrate import upgrade

    from bridgeops.conference.models import ConferenceSession
    from bridgeops.invites.service import uid_for
    from bridgeops.mail.models import OutboxMessage
    from bridgeops.registration.models import BridgePoint
    from bridgeops.setup import init_migrate

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": fresh_database_url})
    init_migrate(app)  # what `bridgeops init-db` does before it upgrades
    now = "2022-04-26 01:30:00+00:00"
    with app.app_context():
        # From the first schema, so every later migration runs over rows that point at each
        # other (SQLite rebuilds tables in batch mode; foreign keys must survive that).
        upgrade(revision=INITIAL_REVISION)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO admin_unit (code, name, name_folded, kind, level, province_code) "
                    "VALUES ('36', 'Tỉnh Nam Định', 'tinh nam dinh', 'tỉnh', 'province', '36')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO conference (id, slug, title, organizer, host_name, timezone, "
                    "contact_name, contact_email, contact_phone, created_at) VALUES (1, 'nd', 'HN', "
                    "'TW', 'Nam Định', 'Asia/Ho_Chi_Minh', '', '', '', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO conference_session (id, conference_id, kind, title, starts_at, "
                    "ends_at, sequence) VALUES (3, 1, 'rehearsal', 'Tổng duyệt', :now, :now, 0)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO bridge_point (id, conference_id, unit_code, level, name, venue, "
                    "status, version, total_delegates, created_at, updated_at) VALUES (17, 1, '36', "
                    "'province', 'Điểm cầu tỉnh', '', 'draft', 1, 0, :now, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO outbox_message (id, dedupe_key, kind, recipient, subject, status, "
                    "attempts, next_attempt_at, created_at) VALUES (5, 'k', 'invite', 'a@b.vn', 's', "
                    "'sent', 1, :now, :now)"
                ),
                {"now": now},
            )
        upgrade()
        session = db.session.get(ConferenceSession, 3)
        point = db.session.get(BridgePoint, 17)
        assert uid_for(session.uid_key, point.uid_key).startswith("session-3-point-17@")
        assert db.session.get(OutboxMessage, 5).message_key == "5"
        db.session.remove()
        db.engine.dispose()
