"""``bridgeops health …``: check the points' probe targets now, and read the live status."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from bridgeops.accounts.access import Principal
from bridgeops.core.errors import DomainError


@click.group("health")
def health_group() -> None:
    """Live health of the bridge points."""


@health_group.command("probe")
@click.option("--conference", "slug", required=True, help="Conference slug.")
@with_appcontext
def probe_command(slug: str) -> None:
    """Probe every point's target once, now, and print the results (changes nothing): a
    connectivity check before the rehearsal, whatever the session windows say."""
    from bridgeops.conference import service as conferences
    from bridgeops.core.cli import fail
    from bridgeops.extensions import db
    from bridgeops.health import probes, service
    from bridgeops.registration.models import BridgePoint

    try:
        conference = conferences.get_conference(slug)
    except DomainError as error:
        fail(error)
    targets = service.probe_targets([conference.id])
    points = (
        {p.id: p for p in db.session.scalars(db.select(BridgePoint).where(BridgePoint.id.in_(list(targets))))}
        if targets
        else {}
    )
    db.session.commit()
    started = time.monotonic()
    results = probes.run_sweep(
        targets,
        timeout=current_app.config["PROBE_TIMEOUT"],
        policy=probes.policy_from_config(current_app.config),
    )
    for point_id in sorted(targets, key=lambda pid: (len(points[pid].unit_code), points[pid].unit_code)):
        result = results[point_id]
        click.echo(
            "\t".join(
                [
                    points[point_id].unit_code,
                    points[point_id].name,
                    targets[point_id],
                    "OK" if result.ok else "LỖI",
                    result.detail,
                ]
            )
        )
    failed = sum(not r.ok for r in results.values())
    click.echo(
        f"{len(targets)} điểm có địa chỉ kiểm tra, {failed} lỗi, {time.monotonic() - started:.1f} giây."
    )
    if failed:
        raise SystemExit(1)


@health_group.command("status")
@click.option("--conference", "slug", required=True, help="Conference slug.")
@with_appcontext
def status_command(slug: str) -> None:
    """Print how many points are online, and the points that are down or unreachable."""
    from bridgeops.conference import service as conferences
    from bridgeops.core.cli import fail
    from bridgeops.health import board
    from bridgeops.health.models import STATE_LABELS

    try:
        conference = conferences.get_conference(slug)
    except DomainError as error:
        fail(error)
    officer = Principal(kind="officer")
    tally = board.summary(officer, conference)
    click.echo(
        f"{tally.online}/{tally.total} điểm cầu trực tuyến; "
        + ", ".join(f"{STATE_LABELS[state]}: {count}" for state, count in tally.counts.items())
    )
    rows, _ = board.point_rows(officer, conference, states=("down", "unreachable"), limit=1000)
    for row in rows:
        click.echo("\t".join([row.unit_code, row.name, row.state, row.reason]))


commands = [health_group]
