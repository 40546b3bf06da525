"""A web worker does not import Alembic; the `db` commands still find it when asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_app_imports_no_alembic_until_a_command_needs_it():
    code = (
        "import sys; from bridgeops import create_app; "
        "create_app({'TESTING': True, 'SECRET_KEY': 'x', 'DATABASE_URL': 'sqlite://'}); "
        "print(sorted(m for m in ('alembic', 'flask_migrate', 'mako') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


def test_flask_db_commands_are_still_there(tmp_path):
    env = {**os.environ, "BRIDGEOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    flask = str(Path(sys.executable).with_name("flask"))
    out = subprocess.run(
        [flask, "--app", "wsgi", "db", "heads"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "(head)" in out.stdout
