"""The background scheduler process: one per deployment, never inside a web worker.

Each feature contributes thin jobs through ``JOBS``; the process takes a database lock so a
second copy started by mistake waits instead of doing the work twice.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from bridgeops.core.jobs import JobSpec
from bridgeops.core.time import utcnow

log = logging.getLogger("bridgeops.scheduler")


def collect_jobs(app: Flask) -> list[JobSpec]:
    """Every feature's jobs (each feature's ``jobs.jobs(app)``)."""
    from bridgeops.features import feature_modules

    specs: list[JobSpec] = []
    for module in feature_modules("jobs"):
        specs.extend(module.jobs(app))
    return specs


class LeaseKeeper:
    """Holds the database lease; jobs run only while this process holds it.

    ``held`` also turns False on its own when the last successful renewal is older than the
    lease (a renewal stuck on a dead database): by then another process may hold it.
    """

    def __init__(self, app: Flask) -> None:
        from bridgeops.core.jobs import new_holder_id

        self.app = app
        self.holder = new_holder_id()
        self._held = False
        self._valid_until = 0.0
        #: Called once each time this process takes the lease (build_scheduler: run every job
        #: now, so a takeover does not wait for the jobs' next interval).
        self.on_taken: Callable[[], None] | None = None
        #: What jobs tie their claims to (outbox deliveries): this process's lease holder id.
        app.extensions["bridgeops.lease_holder"] = self.holder

    @property
    def held(self) -> bool:
        return self._held and time.monotonic() < self._valid_until

    def renew(self) -> None:
        from bridgeops.extensions import db
        from bridgeops.ops.lease import LEASE_TTL, acquire

        started = time.monotonic()
        was_held = self.held
        with self.app.app_context():
            try:
                previous = acquire(self.holder)
                if previous and previous != self.holder:
                    from bridgeops.mail.service import release_claims

                    released = release_claims(previous)
                    db.session.commit()
                    log.info(
                        "scheduler lease taken over from %s; %s outbox claims released", previous, released
                    )
            except Exception as error:
                from bridgeops.core.outage import log_failure

                db.session.rollback()
                log_failure("lease renewal failed", error)
                previous = None
            finally:
                db.session.remove()
        self._held = previous is not None
        if self._held:
            # Stop one second before the database would let another process take over.
            self._valid_until = started + LEASE_TTL.total_seconds() - 1.0
        if self.held != was_held:
            log.info("scheduler lease %s by %s", "taken" if self.held else "lost", self.holder)
            if self.held and self.on_taken is not None:
                self.on_taken()

    def release(self) -> None:
        from bridgeops.ops.lease import release

        with self.app.app_context():
            release(self.holder)


def build_scheduler(app: Flask, keeper: LeaseKeeper | None = None):
    """An APScheduler BlockingScheduler holding every feature's jobs and the lease renewal."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from bridgeops.ops.lease import RENEW_SECONDS

    keeper = keeper or LeaseKeeper(app)
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        keeper.renew,
        "interval",
        seconds=RENEW_SECONDS,
        id="lease",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow(),
    )
    specs = collect_jobs(app)
    for spec in specs:
        scheduler.add_job(
            _in_context(app, spec, keeper),
            "interval",
            seconds=spec.seconds,
            id=spec.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(spec.seconds)),
        )

    def run_every_job_now() -> None:
        for spec in specs:
            scheduler.modify_job(spec.id, next_run_time=utcnow())

    keeper.on_taken = run_every_job_now
    return scheduler


def _in_context(app: Flask, spec: JobSpec, keeper: LeaseKeeper) -> Callable[[], None]:
    def run() -> None:
        if keeper.held:
            run_job(app, spec)

    return run


def run_job(app: Flask, spec: JobSpec) -> bool:
    """Run one job in an app context and log one JSON line about it; True when it succeeded."""
    from bridgeops.extensions import db

    started = time.monotonic()
    with app.app_context():
        try:
            spec.run(app)
        except Exception as error:
            from bridgeops.core.outage import log_failure, outage_kind

            try:
                db.session.rollback()
            except Exception:  # the connection is gone; the pool discards it
                db.session.remove()
            if outage_kind(error):  # one line per job per interval, not a traceback a run
                log_failure(f"job {spec.id}", error)
            else:
                log.exception("job", extra={"fields": _job_fields(spec, started, "failed")})
            return False
        finally:
            db.session.remove()
    log.info("job", extra={"fields": _job_fields(spec, started, "ok")})
    return True


def _job_fields(spec: JobSpec, started: float, status: str) -> dict:
    return {"job": spec.id, "status": status, "duration_ms": round((time.monotonic() - started) * 1000, 1)}


@click.command("scheduler")
@click.option(
    "--once", is_flag=True, help="Take the lease, run every job once, release it and exit (checks and cron)."
)
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the background jobs (exactly one per deployment)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    keeper = LeaseKeeper(app)
    if once:
        _run_once(app, keeper)
        return
    scheduler = build_scheduler(app, keeper)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"Bộ lập lịch chạy {len(scheduler.get_jobs()) - 1} công việc ({keeper.holder}).")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    if keeper.held:
        keeper.release()


def _run_once(app: Flask, keeper: LeaseKeeper) -> None:
    keeper.renew()
    if not keeper.held:
        raise click.ClickException("Một bộ lập lịch khác đang chạy; không chạy thêm.")
    try:
        specs = collect_jobs(app)
        failed = [spec.id for spec in specs if not run_job(app, spec)]
    finally:
        keeper.release()
    if failed:
        raise click.ClickException("Công việc lỗi: " + ", ".join(failed))
    click.echo(f"Đã chạy {len(specs)} công việc một lần ({keeper.holder}).")
