"""Warm a fresh web worker in the background: what its first requests would otherwise pay.

A new gunicorn worker (after a start, a deploy or ``max_requests``) pays on its first requests
for Jinja template compilation, SQLAlchemy statement compilation and the per-process caches of
the board and the return dashboard (nationally 0.5–2 s a worker). ``start`` runs that work once
in a daemon thread right after the worker has loaded the app, so /healthz answers at once and
the scheduler is never started here. The full return document (a 40 MB transient nationally) is
not warmed: it is built on the first request that needs it, so workers stay small.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa
from flask import Flask
from jinja2 import meta

from bridgeops.core import outage

log = logging.getLogger("bridgeops.warmup")

#: Conferences warmed per worker: the most recent not archived ones.
MAX_CONFERENCES = 3


def start(app: Flask) -> threading.Thread | None:
    """Warm ``app`` in a daemon thread; None when the app is not a BridgeOps Flask app."""
    if not isinstance(app, Flask):
        return None
    thread = threading.Thread(target=warm, args=(app,), name="bridgeops-warmup", daemon=True)
    thread.start()
    return thread


def warm(app: Flask) -> dict[str, float]:
    """Compile the templates and fill the board and dashboard caches of the active conferences.
    Never raises (a failure only logs: the requests then do the work themselves)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        compile_templates(app)
        seconds["templates"] = time.perf_counter() - started
        with app.app_context():
            for conference in active_conferences():
                began = time.perf_counter()
                warm_conference(conference)
                seconds[conference.slug] = time.perf_counter() - began
    except Exception as error:  # noqa: BLE001 — a warm-up must never take a worker down
        outage.log_trouble(log, "warm-up stopped early", error)
    log.info("warm-up done in %.2f s", time.perf_counter() - started)
    return seconds


#: The pages whose first request a warm worker should not pay for: the board and the return
#: dashboard with what they include (the rest compile on first use, as before).
PAGE_TEMPLATES = (
    "health/board.html",
    "health/_board_live.html",
    "returns/dashboard.html",
    "returns/print.html",
)


def compile_templates(app: Flask) -> int:
    """The busiest pages' templates compiled into the environment's cache, with every template
    they extend or include (as a first render would compile them)."""
    env = app.jinja_env
    known = set(env.list_templates())
    pending = [name for name in PAGE_TEMPLATES if name in known]
    loader = env.loader
    assert loader is not None  # Flask's environment always has its dispatching loader
    done: set[str] = set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        env.get_template(name)
        source = loader.get_source(env, name)[0]
        pending += [n for n in meta.find_referenced_templates(env.parse(source)) if n in known]
    return len(done)


def active_conferences() -> list:
    from bridgeops.conference.models import Conference
    from bridgeops.extensions import db

    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.archived_at.is_(None))
            .order_by(Conference.id.desc())
            .limit(MAX_CONFERENCES)
        )
    )


def warm_conference(conference) -> None:
    """The officer's board and the return dashboard's roll-up, into this process's caches."""
    from bridgeops.accounts.access import Kind, Principal
    from bridgeops.core.time import utcnow
    from bridgeops.health import board
    from bridgeops.returns import service as returns

    officer = Principal(kind=Kind.OFFICER)
    board.build_board(officer, conference, utcnow())
    board.summary(officer, conference)
    board.point_rows(officer, conference, limit=50)
    returns.rollup_groups(conference)
