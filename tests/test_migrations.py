"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bridgeops import create_app
from bridgeops.extensions import db, init_migrate
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


#: One province, as the current admin_unit table holds it.
PROVINCE_ROW = (
    "INSERT INTO admin_unit (code, name, name_folded, kind, level, province_code, map, gso_code) "
    "VALUES ('36', 'Tỉnh Nam Định', 'tinh nam dinh', 'tỉnh', 'province', '36', '2023', '36')"
)


def _revision_before(revision: str) -> str:
    from alembic.script import ScriptDirectory

    from bridgeops.config import PROJECT_ROOT

    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_revision(revision).down_revision


def test_technician_invite_links_from_before_the_grant_kind_keep_working(fresh_database_url):
    """A technician's own link was told apart by a label "invite:<nonce>": after the upgrade
    it has kind 'invite' and its nonce in its column, the link she was sent still opens her
    page, and the label names her. The point's issued link stays an issued link. Downgrading
    puts the old label back."""
    from flask_migrate import downgrade, upgrade

    from bridgeops.accounts.models import AccessGrant, GrantKind
    from bridgeops.accounts.tokens import hash_token
    from bridgeops.invites import links
    from bridgeops.registration.models import Contact

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": fresh_database_url})
    init_migrate(app)  # as `bridgeops init-db` does
    now = "2022-04-26 01:30:00+00:00"
    before = _revision_before("schema_0001")
    with app.app_context():
        upgrade(revision=before)
        own_token = links._derive("NONCE-22")
        with db.engine.begin() as conn:
            for sql in (
                PROVINCE_ROW,
                "INSERT INTO conference (id, slug, title, organizer, host_name, timezone, contact_name, "
                "contact_email, contact_phone, created_at) VALUES (1, 'nd', 'HN', 'TW', 'Nam Định', "
                "'Asia/Ho_Chi_Minh', '', '', '', :now)",
                "INSERT INTO bridge_point (id, uid_key, conference_id, unit_code, level, name, venue, "
                "status, version, total_delegates, created_at, updated_at) VALUES (17, '17', 1, '36', "
                "'province', 'Điểm cầu tỉnh', '', 'confirmed', 1, 0, :now, :now)",
                "INSERT INTO contact (id, point_id, role, name, phone, email, created_at) "
                "VALUES (4, 17, 'technician', 'Trần Văn Kỹ', '', 'ky@example.vn', :now)",
                "INSERT INTO access_grant (id, token_hash, role, conference_id, point_id, contact_id, "
                "label, created_at) VALUES (1, :own, 'technician', 1, 17, 4, 'invite:NONCE-22', :now)",
                "INSERT INTO access_grant (id, token_hash, role, conference_id, point_id, contact_id, "
                "label, created_at) VALUES (2, :point, 'technician', 1, 17, 4, 'Kỹ thuật viên Trần Văn Kỹ', "
                ":now)",
            ):
                conn.execute(
                    sa.text(sql),
                    {"now": now, "own": hash_token(own_token), "point": hash_token("point-token")},
                )
        upgrade()
        own, point = db.session.get(AccessGrant, 1), db.session.get(AccessGrant, 2)
        assert (own.kind, own.nonce) == (GrantKind.INVITE, "NONCE-22")
        assert own.label == "Kỹ thuật viên Trần Văn Kỹ (đường dẫn trong thư mời)"
        assert (point.kind, point.nonce, point.label) == (GrantKind.ISSUED, None, "Kỹ thuật viên Trần Văn Kỹ")
        # The invites print the same link again, and it opens her page.
        assert links.technician_tokens([db.session.get(Contact, 4)]) == {4: own_token}
        db.session.commit()
        assert app.test_client().get(f"/t/{own_token}").status_code == 200
        db.session.remove()

        downgrade(revision=before)
        with db.engine.connect() as conn:
            labels = conn.execute(sa.text("SELECT id, label FROM access_grant ORDER BY id")).all()
        assert [tuple(row) for row in labels] == [(1, "invite:NONCE-22"), (2, "Kỹ thuật viên Trần Văn Kỹ")]
        db.session.remove()
        db.engine.dispose()


def test_the_database_refuses_values_outside_the_enums(fresh_database_url):
    """The CHECKs of the migration hold: a status, role or kind outside its enum is refused,
    and so is an invite link without its nonce."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": fresh_database_url})
    init_migrate(app)  # as `bridgeops init-db` does
    now = "2022-04-26 01:30:00+00:00"
    refused = [
        'INSERT INTO "user" (id, email, name, role, password_hash, active, created_at) '
        "VALUES (9, 'a@b.vn', 'A', 'boss', '!', true, :now)",
        "INSERT INTO access_grant (token_hash, role, label, created_at) VALUES ('h1', 'guest', '', :now)",
        "INSERT INTO access_grant (token_hash, role, kind, label, created_at) "
        "VALUES ('h2', 'technician', 'invite', '', :now)",
        "INSERT INTO access_grant (token_hash, role, kind, nonce, label, created_at) "
        "VALUES ('h3', 'chair', 'invite', 'n', '', :now)",
        "INSERT INTO outbox_message (dedupe_key, kind, recipient, subject, status, attempts, "
        "next_attempt_at, created_at, message_key) "
        "VALUES ('k', 'invite', 'a@b.vn', 's', 'lost', 0, :now, :now, 'm')",
        "INSERT INTO conference_session (conference_id, kind, title, starts_at, ends_at, sequence, uid_key) "
        "VALUES (1, 'party', 'T', :now, :now, 0, 'u')",
        "UPDATE bridge_point SET status = 'gone'",
        "UPDATE contact SET role = 'cook'",
        "UPDATE invite SET status = 'maybe'",
        "INSERT INTO point_health (point_id, conference_id, state, since, failures, successes, reason, "
        "down_alerted) VALUES (17, 1, 'sleepy', :now, 0, 0, '', false)",
        "INSERT INTO health_incident (point_id, conference_id, kind, started_at, reason) "
        "VALUES (17, 1, 'pending', :now, '')",
    ]
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text(PROVINCE_ROW))
            conn.execute(
                sa.text(
                    "INSERT INTO conference (id, slug, title, organizer, host_name, timezone, contact_name, "
                    "contact_email, contact_phone, created_at) VALUES (1, 'nd', 'HN', 'TW', 'Nam Định', "
                    "'Asia/Ho_Chi_Minh', '', '', '', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO conference_session (id, conference_id, kind, title, starts_at, ends_at, "
                    "sequence, uid_key) VALUES (3, 1, 'session', 'T', :now, :now, 0, 'u3')"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO bridge_point (id, uid_key, conference_id, unit_code, level, name, venue, "
                    "status, version, total_delegates, created_at, updated_at) VALUES (17, '17', 1, '36', "
                    "'province', 'Điểm cầu tỉnh', '', 'draft', 1, 0, :now, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO contact (id, point_id, role, name, phone, email, created_at) "
                    "VALUES (4, 17, 'technician', 'K', '', '', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO invite (session_id, point_id, contact_id, uid, sequence, fingerprint, "
                    "email, name, status, created_at, updated_at) VALUES (3, 17, 4, 'u', 0, 'f', 'a@b.vn', "
                    "'K', 'active', :now, :now)"
                ),
                {"now": now},
            )
        for sql in refused:
            with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError, match="(?i)check"):
                conn.execute(sa.text(sql), {"now": now})
        db.engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(fresh_database_url):
    """Head → base → head on an empty database: each downgrade undoes its upgrade (the names of
    constraints included, or the second upgrade would find them there)."""
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": fresh_database_url})
    init_migrate(app)
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) == tables
        db.session.remove()
        db.engine.dispose()


def test_invites_due_go_back_to_the_backlog_on_a_downgrade(fresh_database_url):
    """Downgrading past ``duemark_0001`` hands what is due back to ``invite_backlog``, where the
    previous release's job looks; upgrading again keeps those rows for the new job to fold."""
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": fresh_database_url})
    init_migrate(app)
    now = "2026-12-01 09:00:00+00:00"
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text(PROVINCE_ROW))
            for conference_id, point_id, due in ((1, 17, now), (2, 18, None)):
                conn.execute(
                    sa.text(
                        "INSERT INTO conference (id, slug, title, organizer, host_name, timezone, "
                        "contact_name, contact_email, contact_phone, created_at) VALUES (:id, :slug, "
                        "'HN', 'TW', 'Nam Định', 'Asia/Ho_Chi_Minh', '', '', '', :now)"
                    ),
                    {"id": conference_id, "slug": f"nd{conference_id}", "now": now},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO bridge_point (id, uid_key, conference_id, unit_code, level, name, "
                        "venue, status, version, total_delegates, created_at, updated_at, "
                        "invites_due_at) VALUES (:id, :key, :conference, '36', 'province', 'Điểm cầu', "
                        "'', 'draft', 1, 0, :now, :now, :due)"
                    ),
                    {
                        "id": point_id,
                        "key": f"k{point_id}",
                        "conference": conference_id,
                        "now": now,
                        "due": due,
                    },
                )
        downgrade(revision=_revision_before("duemark_0001"))
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT point_id FROM invite_backlog")).scalars().all() == [17]
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT point_id FROM invite_backlog")).scalars().all() == [17]
        db.session.remove()
        db.engine.dispose()
