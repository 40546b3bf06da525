"""``bridgeops outbox send``: deliver pending mail now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("outbox")
def outbox_group() -> None:
    """The mail outbox (invites, updates, cancellations, reminders, alerts)."""


@outbox_group.command("send")
@with_appcontext
def outbox_send() -> None:
    """Deliver every due message now (what the scheduler does every few seconds)."""
    from bridgeops.mail import service

    report = service.deliver_all()
    counts = service.status_counts()
    click.echo(
        f"Đã gửi {report.sent}, chờ gửi lại {report.retrying}, thất bại {report.failed}, "
        f"để lần sau {report.skipped}. Hộp thư đi: {counts['pending']} đang chờ, "
        f"{counts['sent']} đã gửi, {counts['failed']} thất bại."
    )


commands = [outbox_group]
