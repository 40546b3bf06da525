"""The background scheduler process: one per deployment, never inside a web worker.

Each feature contributes thin jobs through ``JOBS``; the process takes a database lock so a
second copy started by mistake waits instead of doing the work twice.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

log = logging.getLogger("bridgeops.scheduler")


@dataclass(frozen=True)
class JobSpec:
    """A job every ``seconds`` seconds; ``run(app)`` does the work inside an app context."""

    id: str
    seconds: float
    run: Callable[[Flask], None]


def collect_jobs(app: Flask) -> list[JobSpec]:
    """Every feature's jobs (each feature's ``jobs.jobs(app)``)."""
    from bridgeops.features import feature_modules

    specs: list[JobSpec] = []
    for module in feature_modules("jobs"):
        specs.extend(module.jobs(app))
    return specs


def build_scheduler(app: Flask):
    """An APScheduler BlockingScheduler holding every feature's jobs."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    for spec in collect_jobs(app):
        scheduler.add_job(_in_context(app, spec), "interval", seconds=spec.seconds, id=spec.id,
                          max_instances=1, coalesce=True, misfire_grace_time=spec.seconds)
    return scheduler


def _in_context(app: Flask, spec: JobSpec) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                spec.run(app)
            except Exception:
                log.exception("job %s failed", spec.id)
                from bridgeops.extensions import db

                db.session.rollback()
            finally:
                from bridgeops.extensions import db

                db.session.remove()

    return run


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the background jobs (exactly one per deployment)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"Bộ lập lịch chạy {len(scheduler.get_jobs())} công việc.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
