"""The scheduler delivers the outbox every few seconds."""

from __future__ import annotations

from flask import Flask

from bridgeops.core.jobs import JobSpec

#: Seconds between two delivery runs.
DELIVERY_INTERVAL = 5


def deliver(app: Flask):
    from bridgeops.mail.service import deliver_all

    # First the feeders (the invites of points changed since the last run), then delivery.
    # Claims carry the lease holder's id, so whoever takes the lease over takes them at once.
    return deliver_all(holder=app.extensions.get("bridgeops.lease_holder"))


def jobs(app: Flask) -> list[JobSpec]:
    return [JobSpec("outbox-delivery", DELIVERY_INTERVAL, deliver)]
