"""Fixtures: one app and schema per test run, a clean database for every test.

The suite runs on SQLite by default and on PostgreSQL when BRIDGEOPS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import make_url

from bridgeops import create_app
from bridgeops.extensions import db, limiter

pytest_plugins = ["tests.browser_support"]

# Property-based tests draw the same examples on every run (a fresh clone never fails by
# chance); a test's own @settings changes only what it names.
settings.register_profile("bridgeops", derandomize=True, database=None, deadline=None)
settings.load_profile("bridgeops")

TEST_DATABASE_URL = os.environ.get("BRIDGEOPS_TEST_DATABASE_URL", "")


def private_database(url: str, suffix: str = "") -> tuple[str, Callable[[], None]]:
    """A PostgreSQL database of this run's own, named after the one in ``url`` plus a random
    part, so two runs on one server never share tables (nor deadlock in each other's TRUNCATE).
    Returns its URL and the function that drops it."""
    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{parsed.database}_{suffix}{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return parsed.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    url, drop = private_database(TEST_DATABASE_URL)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def outbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="session")
def app(database_url: str, outbox_dir: Path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_DIR": str(outbox_dir),
            "BASE_URL": "http://bridgeops.test",
            "HEALTHZ_WRITE_CHECK_SECONDS": 0,  # each /healthz of a test checks its writes
            "SMTP_HOST": "",
            # The probe tests' listeners are on loopback, which the default policy refuses.
            "PROBE_ALLOW": "127.0.0.0/8",
        }
    )
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        # A live server of an earlier test (a board page still polling it) may read while the
        # TRUNCATE takes its locks; PostgreSQL then picks one of the two as a deadlock victim.
        for attempt in range(5):
            try:
                db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                break
            except sa.exc.OperationalError as error:
                db.session.rollback()
                if getattr(error.orig, "sqlstate", None) != "40P01" or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs in an app context and leaves an empty database and the app's settings
    as it found them (the app is made once per session; a test may change a setting)."""
    settings = dict(app.config)
    with app.app_context():
        yield
        db.session.rollback()
        _truncate_all()
        db.session.remove()
        limiter.reset()
    app.config.clear()
    app.config.update(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The plan's conference with Nam Định's units."""
    from bridgeops.demo import create_demo

    conference, _ = create_demo()
    db.session.commit()
    return conference


@pytest.fixture
def officer(app):
    from bridgeops.accounts import service

    user = service.create_user("officer@hoiphunu.test", "Cán bộ Đầu mối", "officer", "mat-khau-123")
    db.session.commit()
    return user


@pytest.fixture
def officer_token(officer) -> str:
    from bridgeops.accounts import service

    issued = service.create_api_token(officer.email)
    db.session.commit()
    return issued.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
