"""A new web worker warms the board's and the return dashboard's caches in the background."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.health import board
from bridgeops.health import service as health
from bridgeops.ops import warmup
from bridgeops.returns import cache as return_cache
from tests.factories import make_point
from tests.health.conftest import DISTRICT, PROVINCE, communes_of

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def _gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _conference_with_points(demo):
    for code in (PROVINCE, DISTRICT, *communes_of(DISTRICT, 2)):
        make_point(demo, code)
    health.ensure_state_rows(demo.id, utcnow())
    db.session.commit()


def _cold() -> None:
    return_cache.clear()
    board._BOARD_CACHE.clear()


def _warmed(conference_id: int) -> tuple[bool, bool]:
    boards = any(key[0] == conference_id for key in board._BOARD_CACHE.held_keys())
    groups = any(
        key[-1] == "groups" and key[0][0][0] == conference_id for key in return_cache._entries.held_keys()
    )
    return boards, groups


def test_the_gunicorn_hook_fills_the_caches_in_a_background_thread(app, demo, monkeypatch):
    _conference_with_points(demo)
    _cold()
    assert _warmed(demo.id) == (False, False)
    started = []
    real_start = warmup.start
    monkeypatch.setattr(warmup, "start", lambda wsgi: started.append(real_start(wsgi)) or started[-1])
    monkeypatch.delenv("BRIDGEOPS_WARM_UP", raising=False)

    _gunicorn_conf().post_worker_init(SimpleNamespace(wsgi=app))

    assert started and started[0].daemon
    started[0].join(60)
    assert _warmed(demo.id) == (True, True)
    # What the warm-up cached is what a request reads: the same figures.
    assert board.build_board(board.Principal(kind="officer"), demo, utcnow()).summary.total == 4


def test_the_hook_can_be_turned_off(app, demo, monkeypatch):
    _conference_with_points(demo)
    _cold()
    monkeypatch.setenv("BRIDGEOPS_WARM_UP", "0")
    _gunicorn_conf().post_worker_init(SimpleNamespace(wsgi=app))
    assert _warmed(demo.id) == (False, False)


def test_a_failing_warm_up_only_logs(app, monkeypatch, caplog):
    def broken():
        raise RuntimeError("database away")

    monkeypatch.setattr(warmup, "active_conferences", broken)
    seconds = warmup.warm(app)
    assert "templates" in seconds
    assert "warm-up stopped early" in caplog.text


def test_a_warm_up_cut_by_a_database_outage_logs_a_line_not_a_traceback(app, monkeypatch, caplog):
    """The database may stop while a new worker warms (a deploy during an outage): one outage
    line, as a request would give, and no traceback in the log."""

    def unreachable():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(warmup, "active_conferences", unreachable)
    warmup.warm(app)
    lines = [record for record in caplog.records if "warm-up stopped early" in record.getMessage()]
    assert lines and all(record.exc_info is None for record in lines)
    assert lines[0].name == "bridgeops.outage"


def test_start_ignores_what_is_not_a_flask_app():
    assert warmup.start(object()) is None
