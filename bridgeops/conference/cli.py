"""``bridgeops conference create|copy|archive``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError, ValidationFailed
from bridgeops.extensions import db

CLI_ACTOR = "cli"


@click.group("conference")
def conference_group() -> None:
    """Set up, copy and archive conferences."""


@conference_group.command("create")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON with the body of POST /api/v1/conferences.",
)
@with_appcontext
def create_command(path: Path) -> None:
    """Create a conference from a JSON file; prints its slug."""
    from bridgeops.conference import service
    from bridgeops.conference.schemas import ConferenceIn
    from bridgeops.core.validation import validate

    try:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValidationFailed({"__body__": f"JSON không hợp lệ: {error}"}) from None
        conference = service.create_conference(validate(ConferenceIn, body), actor=CLI_ACTOR)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(conference.slug)


@conference_group.command("copy")
@click.argument("source")
@click.option("--slug", required=True, help="The new conference's slug.")
@click.option("--shift-days", type=int, default=0, help="Move sessions and the deadline.")
@click.option("--map", "unit_map", type=click.Choice(["2023", "2025"]), default=None)
@click.option("--host", default=None, help="Host unit code of the copy (default: the source's).")
@click.option("--title", default=None)
@with_appcontext
def copy_command(
    source: str, slug: str, shift_days: int, unit_map: str | None, host: str | None, title: str | None
) -> None:
    """Copy SOURCE: categories, sessions and its points as drafts; prints carried and unplaced."""
    from bridgeops.conference import service
    from bridgeops.conference.copy import copy_conference
    from bridgeops.conference.schemas import CopyIn
    from bridgeops.core.validation import validate

    body = {"slug": slug, "shift_days": shift_days, "map": unit_map, "title": title}
    if host is not None:
        body["host_unit_code"] = host
    try:
        result = copy_conference(service.get_conference(source), validate(CopyIn, body), actor=CLI_ACTOR)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Đã tạo hội nghị {result.conference.slug} từ {source}.")
    click.echo(f"carried\t{result.carried}")
    click.echo(f"unplaced\t{len(result.unplaced)}")
    for code, name in result.unplaced:
        click.echo(f"{code}\t{name}")


@conference_group.command("archive")
@click.argument("slug")
@with_appcontext
def archive_command(slug: str) -> None:
    """Archive a past conference: its records become read-only."""
    from bridgeops.conference import service

    try:
        changed = service.archive_conference(service.get_conference(slug), actor=CLI_ACTOR)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Đã lưu trữ hội nghị {slug}." if changed else f"Hội nghị {slug} đã lưu trữ từ trước.")


commands = [conference_group]
