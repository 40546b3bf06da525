"""The probe sweep, every BRIDGEOPS_PROBE_INTERVAL seconds, only during session windows."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask

from bridgeops.core.clock import database_now
from bridgeops.core.jobs import JobSpec
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health import alerts, probes, service
from bridgeops.health.windows import active_windows

log = logging.getLogger("bridgeops.health")


def run_probe_sweep(app: Flask) -> list[service.SweepOutcome]:
    """Probe every monitored point of the conferences in an active window, then write states,
    history and alerts in bulk and post the webhook. Returns what each conference's sweep did."""
    config = app.config
    windows = active_windows(utcnow())
    if not windows:
        return []
    conference_ids = [w.session.conference_id for w in windows]
    targets = service.probe_targets(conference_ids)
    db.session.commit()  # no transaction stays open while the network is probed
    started = time.monotonic()
    results = probes.run_sweep(
        targets, timeout=config["PROBE_TIMEOUT"], policy=probes.policy_from_config(config)
    )
    log.info("probed %d targets in %.2fs", len(targets), time.monotonic() - started)
    now = database_now()  # heartbeats were stamped by this clock too
    outcomes = []
    for window in active_windows(now):
        outcomes.append(
            service.apply_sweep(
                window.session.conference,
                window,
                results,
                now,
                failures_before_down=config["PROBE_FAILURES"],
                heartbeat_fresh_for=timedelta(seconds=3 * config["PROBE_INTERVAL"]),
            )
        )
    db.session.commit()
    for outcome in outcomes:
        if outcome.webhook_payload is not None:
            alerts.post_webhook(config["ALERT_WEBHOOK_URL"], outcome.webhook_payload)
    return outcomes


def jobs(app: Flask) -> list[JobSpec]:
    return [JobSpec("health-probe-sweep", app.config["PROBE_INTERVAL"], run_probe_sweep)]
