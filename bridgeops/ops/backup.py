"""Consistent copies of the database and the way back.

SQLite: the sqlite3 online backup API (a consistent copy while the service runs).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean`` found on PATH (Debian package
``postgresql-client``, the same major version as the server or newer). The file's first bytes
say which kind it is, so ``restore`` refuses a file of the other kind.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from bridgeops.core.errors import ValidationFailed
from bridgeops.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why, for the operator."""


def backup(target: Path) -> str:
    """Write a consistent copy of the database to ``target``; returns the method used."""
    url = db.engine.url
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(url), partial)
            method = "sqlite-online-backup"
        elif url.get_backend_name() == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(partial), "--dbname", _libpq_url(url)], url)
            method = "pg_dump-custom"
        else:
            raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {url.get_backend_name()}.")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return method


def restore(source: Path) -> str:
    """Replace the database's content with the backup in ``source``; returns the method used.

    Stop the web service and the scheduler first: the restore replaces every table.
    """
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    url = db.engine.url
    backend = url.get_backend_name()
    db.session.remove()
    db.engine.dispose()  # our own pooled connections must not hold locks on the tables
    if head.startswith(SQLITE_MAGIC):
        if backend != "sqlite":
            raise BackupError("Tệp này là bản sao lưu SQLite, nhưng cơ sở dữ liệu đang dùng là "
                              f"{backend}.")
        _check_sqlite_file(source)
        _sqlite_copy(source, _sqlite_path(url))
        return "sqlite-online-backup"
    if head.startswith(PG_DUMP_MAGIC):
        if backend != "postgresql":
            raise BackupError(f"Tệp này là bản sao lưu PostgreSQL (pg_dump), nhưng cơ sở dữ liệu "
                              f"đang dùng là {backend}.")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname", _libpq_url(url),
              str(source)], url)
        return "pg_restore"
    raise ValidationFailed({"file": "Tệp không phải bản sao lưu của BridgeOps (SQLite hoặc pg_dump)."})


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite_file(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
    finally:
        connection.close()
    if not result or result[0] != "ok":
        raise BackupError(f"Bản sao lưu {path} bị hỏng: {result}")


def _libpq_url(url: URL) -> str:
    """The URL for libpq tools, without the SQLAlchemy driver and without the password
    (passed in PGPASSWORD, so it never shows in the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"Không tìm thấy {tool}: cài gói postgresql-client cùng phiên bản với "
                          "máy chủ PostgreSQL (apt-get install postgresql-client).")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} thất bại ({result.returncode}): {result.stderr.strip()}")
