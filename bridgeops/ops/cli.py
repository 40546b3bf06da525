"""``bridgeops backup -o FILE`` and ``bridgeops restore FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.extensions import db
from bridgeops.invites import orphans
from bridgeops.ops import backup as backups


@click.command("backup")
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The backup file to write.",
)
@with_appcontext
def backup_command(target: Path) -> None:
    """A consistent copy of the database (SQLite online backup, or pg_dump for PostgreSQL)."""
    try:
        method = backups.backup(target)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Đã sao lưu vào {target} ({method}, {target.stat().st_size} byte).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation at a terminal.")
@click.option(
    "--force",
    is_flag=True,
    help="Restore even though the service looks live (what it writes meanwhile is lost).",
)
@click.option(
    "--url",
    "web_url",
    default=None,
    help="Where to ask whether web workers answer (default: BRIDGEOPS_BASE_URL).",
)
@with_appcontext
def restore_command(source: Path, yes: bool, force: bool, web_url: str | None) -> None:
    """Replace the database's content with a backup. Refuses while the service is live (the
    scheduler holds its lease, or web workers answer) unless --force; says what will be lost."""
    live = backups.live_service(web_url or current_app.config["BASE_URL"])
    try:
        loss = backups.changes_since_backup(source)
    except (OSError, sa.exc.SQLAlchemyError) as error:
        raise click.ClickException(f"Không đọc được {source} hoặc cơ sở dữ liệu: {error}") from error
    for line in loss.lines():
        click.echo(line)
    if live and not force:
        raise click.ClickException(
            "Không khôi phục khi dịch vụ đang chạy: " + "; ".join(live) + ". Hãy dừng máy chủ "
            "web và bộ lập lịch (systemctl stop bridgeops-web bridgeops-scheduler) rồi chạy lại, "
            "hoặc thêm --force nếu chấp nhận mất cả những gì ghi vào trong lúc khôi phục."
        )
    if live:
        click.echo("Cảnh báo: dịch vụ đang chạy (" + "; ".join(live) + "); vẫn khôi phục vì --force.")
    if not yes and sys.stdin.isatty():
        click.confirm("Toàn bộ dữ liệu hiện tại sẽ bị thay bằng bản sao lưu. Tiếp tục?", abort=True)
    invited = orphans.active_invites()
    try:
        method = backups.restore(source)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    except DomainError as error:
        fail(error)
    click.echo(f"Đã khôi phục từ {source} ({method}).")
    cancelled = orphans.cancel_orphans(invited)
    db.session.commit()
    if cancelled:
        click.echo(
            f"Đã xếp {cancelled} thư hủy lịch cho kỹ thuật viên được mời sau thời điểm sao "
            "lưu (điểm cầu hoặc phiên không còn); bộ lập lịch sẽ gửi khi chạy lại."
        )


commands = [backup_command, restore_command]
