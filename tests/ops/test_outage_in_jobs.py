"""A job that meets a database outage halfway leaves it to the scheduler, which logs one line per
interval (``core.outage``), and whatever a job gets over on its own logs a line too: no place
that notices the database is gone prints a traceback of it.

The database here is really unreachable: a PostgreSQL URL on a loopback port nobody listens on.
"""

from __future__ import annotations

import logging
import socket

import pytest
import sqlalchemy as sa

from bridgeops import create_app
from bridgeops.core import outage
from bridgeops.core.outage import log_trouble
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxMessage
from bridgeops.returns import cache


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nobody listens there


@pytest.fixture(autouse=True)
def fresh_outage_lines(monkeypatch):
    """Each test starts with no outage line logged yet (one per kind per interval is kept
    process-wide, and another test may have logged the same kind a moment ago)."""
    monkeypatch.setattr(outage, "_failures", outage._FailureLog())


@pytest.fixture
def unreachable_app():
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"postgresql+psycopg://bridgeops@127.0.0.1:{_closed_port()}/gone",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tracebacks(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


def _loggers_of(text: str, caplog) -> list[str]:
    return [record.name for record in caplog.records if text in record.getMessage()]


def test_reading_a_stored_workbook_during_an_outage_logs_a_line(unreachable_app, caplog):
    assert cache.load_workbook("a" * 64) is None  # the caller builds the workbook itself
    assert not _tracebacks(caplog)
    assert _loggers_of("could not read a stored workbook", caplog) == ["bridgeops.outage"]


def test_sharing_a_workbook_during_an_outage_logs_a_line(unreachable_app, caplog):
    assert not cache.store_workbook(9001, "b" * 64, utcnow(), b"PK")
    assert not _tracebacks(caplog)
    assert _loggers_of("could not share a workbook", caplog) == ["bridgeops.outage"]


def test_preparing_mail_during_an_outage_is_left_to_the_scheduler(unreachable_app, caplog):
    """Before, the renderer's failure was logged with its traceback and its messages were then
    prepared one by one, each failing again."""
    message = OutboxMessage(kind="invite", recipient="ky@example.vn", payload={"renderer": "itip"})
    with pytest.raises(sa.exc.OperationalError):
        mail.prepare_batch([message])
    assert not _tracebacks(caplog)


def test_a_bug_still_logs_its_traceback(caplog):
    """Only an outage is shortened to a line: anything else is a bug to read in full."""
    log = logging.getLogger("bridgeops.test")
    log_trouble(log, "could not do the thing", KeyError("unit"), about="unit 358")
    outage = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    log_trouble(log, "could not do the other thing", outage)
    assert _tracebacks(caplog) == ["could not do the thing (unit 358)"]
    assert [record.name for record in caplog.records] == ["bridgeops.test", "bridgeops.outage"]
