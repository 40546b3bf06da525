"""``bridgeops links issue --conference SLUG``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bridgeops.core.cli import fail
from bridgeops.core.errors import DomainError
from bridgeops.extensions import db


@click.group("links")
def links_group() -> None:
    """Magic links for district chairs."""


@links_group.command("issue")
@click.option("--conference", "slug", required=True, help="The conference slug.")
@with_appcontext
def links_issue(slug: str) -> None:
    """Print one line per district: unit_code<TAB>unit_name<TAB>url. Earlier links of those
    districts stop working."""
    from bridgeops.conference import service as conferences
    from bridgeops.registration import links

    try:
        issued = links.issue_chair_links(conferences.get_conference(slug), actor="cli")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    for link in issued:
        click.echo(f"{link.unit.code}\t{link.unit.name}\t{link.url}")


commands = [links_group]
