"""``bridgeops followup export|snapshot|submit``: the consolidated follow-up report to TW."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.extensions import db

CLI_ACTOR = "cli"


@click.group("followup")
def followup_group() -> None:
    """Follow-up conferences: the consolidated report to TW."""


@followup_group.command("export")
@click.option("--conference", "slug", required=True, help="Conference slug, e.g. namdinh-2022.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(slug: str, fmt: str, output: Path) -> None:
    """Write the consolidated report as it is now to a file."""
    from bridgeops.conference.service import get_conference
    from bridgeops.core.time import utcnow
    from bridgeops.followup import document as documents
    from bridgeops.followup import service
    from bridgeops.returns import service as returns

    try:
        now = utcnow()
        document = service.document_of(get_conference(slug), now)
        export = returns.export_sheet(
            document, documents.sheet(document), fmt, now, documents.export_filename(document, fmt, now)
        )
    except DomainError as error:
        fail(error)
    output.write_bytes(export.content)
    click.echo(f"Đã ghi {output} ({len(export.content)} byte).", err=True)


@followup_group.command("submit")
@click.option("--conference", "slug", required=True)
@with_appcontext
def submit_command(slug: str) -> None:
    """Freeze the consolidated report now and send it to TW (BRIDGEOPS_TW_RETURN_URL)."""
    from bridgeops.conference.service import get_conference
    from bridgeops.followup import service
    from bridgeops.returns import service as returns

    try:
        snapshot = service.freeze(get_conference(slug), CLI_ACTOR)
        db.session.commit()
        click.echo(f"{snapshot.id}\t{snapshot.sha256}")
        outcome = returns.submit(snapshot, CLI_ACTOR)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    if not outcome.accepted:
        raise click.ClickException(
            f"Trung ương chưa nhận bản chốt {snapshot.id}; các lần thử đã được ghi lại."
        )
    click.echo(f"Trung ương đã nhận bản chốt {snapshot.id}.")


commands = [followup_group]
