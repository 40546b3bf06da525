"""``bridgeops return export|snapshot|submit``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.extensions import db

CLI_ACTOR = "cli"


@click.group("return")
def return_group() -> None:
    """The headcount return to TW: files, snapshots, submission."""


@return_group.command("export")
@click.option("--conference", "slug", required=True, help="Conference slug, e.g. namdinh-2022.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write ('-' for standard output).",
)
@with_appcontext
def export_command(slug: str, fmt: str, output: Path) -> None:
    """Write the return as it is now to a file."""
    from bridgeops.conference.service import get_conference
    from bridgeops.returns import service

    try:
        export = service.export(get_conference(slug), fmt)
    except DomainError as error:
        fail(error)
    if str(output) == "-":
        sys.stdout.buffer.write(export.content)
        return
    output.write_bytes(export.content)
    click.echo(f"Đã ghi {output} ({len(export.content)} byte).", err=True)


@return_group.command("snapshot")
@click.option("--conference", "slug", required=True)
@with_appcontext
def snapshot_command(slug: str) -> None:
    """Freeze the return; prints the snapshot's id and sha256."""
    from bridgeops.conference.service import get_conference
    from bridgeops.returns import service

    try:
        snapshot = service.freeze(get_conference(slug), CLI_ACTOR)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"{snapshot.id}\t{snapshot.sha256}")


@return_group.command("submit")
@click.option("--conference", "slug", required=True)
@click.option(
    "--snapshot", "snapshot_id", type=int, help="The snapshot to send; by default a fresh one is frozen now."
)
@click.option("--force", is_flag=True, help="Send again even if TW accepted this content.")
@with_appcontext
def submit_command(slug: str, snapshot_id: int | None, force: bool) -> None:
    """Send a snapshot to TW (BRIDGEOPS_TW_RETURN_URL), with retries; every attempt is recorded."""
    from bridgeops.conference.service import get_conference
    from bridgeops.returns import service

    try:
        conference = get_conference(slug)
        if snapshot_id is None:
            snapshot = service.freeze(conference, CLI_ACTOR)
            db.session.commit()
        else:
            snapshot = service.get_snapshot(conference, snapshot_id)
        outcome = service.submit(snapshot, CLI_ACTOR, force=force)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    for attempt in outcome.attempts:
        answer = f"HTTP {attempt.status_code}" if attempt.status_code else attempt.error
        click.echo(f"Lần {attempt.number}: {answer} ({attempt.duration_ms} ms)")
    if outcome.already_accepted:
        click.echo(f"Trung ương đã nhận nội dung này trước đó (sha256 {snapshot.sha256}); không gửi lại.")
    elif outcome.accepted:
        click.echo(f"Trung ương đã nhận bản chốt {snapshot.id} (sha256 {snapshot.sha256}).")
    else:
        raise click.ClickException(
            f"Trung ương chưa nhận bản chốt {snapshot.id}; các lần thử đã được ghi lại."
        )


commands = [return_group]
