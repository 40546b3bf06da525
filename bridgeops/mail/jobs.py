"""The scheduler delivers the outbox every few seconds."""

from __future__ import annotations

from flask import Flask

from bridgeops.scheduler import JobSpec

#: Seconds between two delivery runs.
DELIVERY_INTERVAL = 5


def deliver(_app: Flask) -> None:
    from bridgeops.mail.service import deliver_all

    deliver_all()


def jobs(app: Flask) -> list[JobSpec]:
    return [JobSpec("outbox-delivery", DELIVERY_INTERVAL, deliver)]
