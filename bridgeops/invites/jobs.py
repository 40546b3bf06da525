"""Reminders the day before the rehearsal to technicians who have not acknowledged."""

from __future__ import annotations

from flask import Flask

from bridgeops.core.jobs import JobSpec
from bridgeops.extensions import db

#: Seconds between two reminder sweeps (each is idempotent).
REMINDER_INTERVAL = 600


def remind(_app: Flask) -> None:
    from bridgeops.invites.service import queue_rehearsal_reminders

    queue_rehearsal_reminders()
    db.session.commit()


def jobs(app: Flask) -> list[JobSpec]:
    return [JobSpec("rehearsal-reminders", REMINDER_INTERVAL, remind)]
