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
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from bridgeops.audit.models import AuditEvent
from bridgeops.core.errors import ValidationFailed
from bridgeops.extensions import db
from bridgeops.mail.models import OutboxMessage

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
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(partial),
                    "--dbname",
                    _libpq_url(url),
                ],
                url,
            )
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
            raise BackupError(f"Tệp này là bản sao lưu SQLite, nhưng cơ sở dữ liệu đang dùng là {backend}.")
        _check_sqlite_file(source)
        _sqlite_copy(source, _sqlite_path(url))
        return "sqlite-online-backup"
    if head.startswith(PG_DUMP_MAGIC):
        if backend != "postgresql":
            raise BackupError(
                f"Tệp này là bản sao lưu PostgreSQL (pg_dump), nhưng cơ sở dữ liệu đang dùng là {backend}."
            )
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                _libpq_url(url),
                str(source),
            ],
            url,
        )
        return "pg_restore"
    raise ValidationFailed({"file": "Tệp không phải bản sao lưu của BridgeOps (SQLite hoặc pg_dump)."})


# --- Before a restore: is the service live, and what would be lost ---------------------------

#: How the loss report names audited entities and actions.
ENTITY_LABELS = {
    "bridge_point": "điểm cầu",
    "conference": "hội nghị",
    "conference_session": "phiên họp",
    "access_grant": "đường dẫn truy cập",
    "return_snapshot": "bản chốt báo cáo",
    "user": "tài khoản",
}
ACTION_LABELS = {
    "create": "tạo mới",
    "update": "sửa",
    "confirm": "xác nhận",
    "withdraw": "rút",
    "delete": "xóa",
}


def live_service(base_url: str, timeout: float = 2.0) -> list[str]:
    """Why the service looks live (Vietnamese, for the operator); empty when it is stopped:
    the scheduler's lease is held (by the database's clock), or web workers answer /healthz."""
    from bridgeops.ops.lease import current_holder

    reasons = []
    holder = current_holder()
    if holder:
        reasons.append(f"bộ lập lịch đang chạy (giữ khóa: {holder})")
    db.session.rollback()
    url = base_url.rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            answered = True
    except urllib.error.HTTPError:
        answered = True  # a 503 is still a live web worker writing to this database
    except (OSError, ValueError):
        answered = False
    if answered:
        reasons.append(f"máy chủ web đang trả lời tại {url}")
    return reasons


@dataclass
class LossReport:
    """What the live database holds that the backup does not: changes after ``backup_at``."""

    backup_at: datetime | None
    changes: Counter = field(default_factory=Counter)
    mails_sent: int = 0

    def lines(self) -> list[str]:
        when = self.backup_at.strftime("%H:%M:%S %d/%m/%Y (UTC)") if self.backup_at else "?"
        if not self.changes and not self.mails_sent:
            return [f"Bản sao lưu lúc {when}: không có thay đổi nào sau thời điểm đó."]
        lines = [f"Bản sao lưu lúc {when}. Những thay đổi sau thời điểm đó sẽ MẤT:"]
        for (entity, action), count in sorted(self.changes.items()):
            lines.append(
                f"  - {count} lần {ACTION_LABELS.get(action, action)} {ENTITY_LABELS.get(entity, entity)}"
            )
        if self.mails_sent:
            lines.append(
                f"  - {self.mails_sent} thư đã gửi đi sau thời điểm sao lưu (người nhận "
                "vẫn giữ thư, nhưng hệ thống sẽ không còn biết)"
            )
        return lines


def changes_since_backup(source: Path) -> LossReport:
    """Compare the live database with the backup's time: audited changes and sent mail after
    it would be lost by restoring ``source``."""

    backup_at = backup_time(source)
    report = LossReport(backup_at)
    if backup_at is None:
        return report
    rows = db.session.execute(
        sa.select(AuditEvent.entity, AuditEvent.action, sa.func.count())
        .where(AuditEvent.at > backup_at)
        .group_by(AuditEvent.entity, AuditEvent.action)
    )
    report.changes = Counter({(entity, action): n for entity, action, n in rows})
    report.mails_sent = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at > backup_at)
        )
        or 0
    )
    db.session.rollback()
    return report


def backup_time(source: Path) -> datetime | None:
    """When ``source`` was taken: pg_dump's own timestamp, or for SQLite the last change the
    copy holds (its newest audit event), else the file's modification time."""
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(PG_DUMP_MAGIC) and shutil.which("pg_restore"):
        listing = subprocess.run(
            ["pg_restore", "--list", str(source)], capture_output=True, text=True, check=False
        ).stdout
        for line in listing.splitlines():
            if "Archive created at" in line:
                stamp = line.split("Archive created at", 1)[1].strip()
                try:
                    return datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S").replace(
                        tzinfo=_zone(stamp[20:].strip())
                    )
                except ValueError:
                    break
    if head.startswith(SQLITE_MAGIC):
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            newest = connection.execute("SELECT max(at) FROM audit_event").fetchone()[0]
        except sqlite3.Error:
            newest = None
        finally:
            connection.close()
        if newest:
            return datetime.fromisoformat(str(newest)).replace(tzinfo=UTC)
    return datetime.fromtimestamp(source.stat().st_mtime, UTC)


def _zone(name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


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
        raise BackupError(
            f"Không tìm thấy {tool}: cài gói postgresql-client cùng phiên bản với "
            "máy chủ PostgreSQL (apt-get install postgresql-client)."
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} thất bại ({result.returncode}): {result.stderr.strip()}")
