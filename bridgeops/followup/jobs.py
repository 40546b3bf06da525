"""Reminders to chairs a week and a day before the follow-up deadlines."""

from __future__ import annotations

from flask import Flask

from bridgeops.core.jobs import JobSpec
from bridgeops.extensions import db

#: Seconds between two reminder sweeps (each is idempotent).
REMINDER_INTERVAL = 900


def remind(_app: Flask) -> None:
    from bridgeops.followup.service import queue_reminders

    queue_reminders()
    db.session.commit()


def jobs(app: Flask) -> list[JobSpec]:
    return [JobSpec("followup-reminders", REMINDER_INTERVAL, remind)]
