"""``bridgeops backup -o FILE`` and ``bridgeops restore FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from bridgeops.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.ops import backup as backups


@click.command("backup")
@click.option("-o", "--output", "target", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The backup file to write.")
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
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's content with a backup. Stop the web service and scheduler first."""
    if not yes and sys.stdin.isatty():
        click.confirm("Toàn bộ dữ liệu hiện tại sẽ bị thay bằng bản sao lưu. Tiếp tục?", abort=True)
    try:
        method = backups.restore(source)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    except DomainError as error:
        fail(error)
    click.echo(f"Đã khôi phục từ {source} ({method}).")


commands = [backup_command, restore_command]
