"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
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
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    db.metadata)
        db.engine.dispose()
    assert diff == []
