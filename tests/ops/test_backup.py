"""bridgeops backup / restore on the suite's database (SQLite, or PostgreSQL through pg_dump)."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from bridgeops.accounts.models import User
from bridgeops.conference.models import Conference
from bridgeops.extensions import db


def table_contents() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    contents = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        contents[table.name] = sorted((tuple(row) for row in rows), key=repr)
    db.session.commit()
    return contents


@pytest.fixture(autouse=True)
def _needs_pg_tools():
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (apt-get install postgresql-client)")


def test_restore_brings_back_exactly_the_backed_up_data(runner, demo, officer, tmp_path):
    conference_id, officer_id = demo.id, officer.id
    before = table_contents()
    backup = tmp_path / "bridgeops.backup"
    result = runner.invoke(args=["backup", "-o", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    db.session.delete(db.session.get(User, officer_id))
    db.session.get(Conference, conference_id).title = "Đã sửa sau khi sao lưu"
    db.session.commit()
    assert table_contents() != before

    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert table_contents() == before
    assert db.session.get(Conference, conference_id).title.startswith("Hội nghị nghiên cứu")


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("không phải bản sao lưu")
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code != 0
    assert "không phải bản sao lưu" in result.output
