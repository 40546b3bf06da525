"""The live return's workbook is built once per state of its data for every worker and node:
the scheduler builds it soon after a change, a download anywhere then reads it."""

from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.returns import cache, exporters, jobs, service
from bridgeops.returns.models import StoredWorkbook
from tests.factories import make_point, set_counts


def _prebuild(app) -> None:
    from bridgeops.scheduler import collect_jobs, run_job

    [spec] = [j for j in collect_jobs(app) if j.id == "return-workbooks"]
    assert spec.run is jobs.prebuild and spec.seconds == jobs.PREBUILD_INTERVAL
    assert run_job(app, spec)


def _stored(conference_id: int) -> list[StoredWorkbook]:
    return db.session.scalars(
        sa.select(StoredWorkbook)
        .where(StoredWorkbook.conference_id == conference_id)
        .order_by(StoredWorkbook.id)
    ).all()


@pytest.fixture
def no_builds(monkeypatch):
    """From here on, building a workbook in this process fails the test: another process
    (a fresh worker, another node) has only the shared table."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the workbook was built again instead of read")

    def arm():
        cache.clear()
        monkeypatch.setattr(exporters, "xlsx_bytes", refuse)

    return arm


def _grand_total(content: bytes) -> int:
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()]
    [total] = [r for r in rows if r[2] == "TỔNG CỘNG"]
    return total[-1]


def test_the_scheduler_builds_the_workbook_and_a_fresh_worker_reads_it(app, nam_dinh, no_builds):
    conference = nam_dinh.conference
    _prebuild(app)
    [stored] = _stored(conference.id)
    no_builds()
    export = service.export(conference, "xlsx")
    assert export.content == stored.content
    assert _grand_total(export.content) == nam_dinh.expected_confirmed + nam_dinh.expected_draft


def test_a_change_is_built_again_and_the_download_shows_it(app, nam_dinh, no_builds, monkeypatch):
    conference = nam_dinh.conference
    _prebuild(app)
    point = make_point(conference, "360", counts={"bch": 7})
    db.session.commit()
    _prebuild(app)
    assert len(_stored(conference.id)) == 2
    no_builds()
    total = _grand_total(service.export(conference, "xlsx").content)
    assert total == nam_dinh.expected_confirmed + nam_dinh.expected_draft + 7

    # Changed behind the scheduler's back: the download builds it (never an old file) ...
    monkeypatch.undo()
    set_counts(point, {"bch": 9})
    db.session.commit()
    cache.clear()
    assert _grand_total(service.export(conference, "xlsx").content) == total + 2
    # ... and shares it: the next look finds nothing to do.
    assert service.prebuild_workbooks() == []


def test_nothing_moved_nothing_built(app, nam_dinh):
    assert service.prebuild_workbooks() == [nam_dinh.conference.slug]
    assert service.prebuild_workbooks() == []
    assert len(_stored(nam_dinh.conference.id)) == 1


def test_a_worker_shares_what_it_built_with_the_others(nam_dinh, no_builds):
    first = service.export(nam_dinh.conference, "xlsx")
    no_builds()
    again = service.export(nam_dinh.conference, "xlsx")
    assert (again.content, again.filename) == (first.content, first.filename)


def test_each_conference_keeps_only_its_latest_workbooks(app, nam_dinh):
    conference = nam_dinh.conference
    for count in range(1, 6):
        make_point(conference, "360", counts={"bch": count})
        db.session.commit()
        service.prebuild_workbooks()
    stored = _stored(conference.id)
    assert len(stored) == cache.KEEP_STORED
    assert _grand_total(stored[-1].content) == nam_dinh.expected_confirmed + nam_dinh.expected_draft + 5


def test_an_archived_conference_is_not_built(app, nam_dinh):
    nam_dinh.conference.archived_at = utcnow()
    db.session.commit()
    assert service.prebuild_workbooks() == []
    assert _stored(nam_dinh.conference.id) == []


def test_the_same_workbook_stored_twice_is_kept_once(nam_dinh):
    conference_id = nam_dinh.conference.id
    assert cache.store_workbook(conference_id, "k" * 64, utcnow(), b"one")
    assert not cache.store_workbook(conference_id, "k" * 64, utcnow(), b"two")
    assert cache.load_workbook("k" * 64)[1] == b"one"


def test_a_workbook_stored_by_other_builders_is_not_served(app, nam_dinh, monkeypatch):
    """A deploy that changes how the file is built never serves a file the older code stored."""
    _prebuild(app)
    [stored] = _stored(nam_dinh.conference.id)
    cache.clear()
    monkeypatch.setattr(cache, "builders_digest", lambda: "another-version")
    builds: list[int] = []
    real = exporters.xlsx_bytes

    def counting(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(exporters, "xlsx_bytes", counting)
    service.export(nam_dinh.conference, "xlsx")
    assert builds == [1]
    assert len(_stored(nam_dinh.conference.id)) == 2 and stored.id in {
        s.id for s in _stored(nam_dinh.conference.id)
    }


def test_one_conference_failing_does_not_hold_up_the_others(app, nam_dinh, two_level, monkeypatch):
    real = exporters.xlsx_bytes

    def fails_for_nam_dinh(document, *args, **kwargs):
        if document["conference"]["slug"] == nam_dinh.conference.slug:
            raise RuntimeError("a broken conference")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(exporters, "xlsx_bytes", fails_for_nam_dinh)
    assert service.prebuild_workbooks() == [two_level.slug]
    assert _stored(nam_dinh.conference.id) == []


def test_a_database_error_is_left_to_the_scheduler(app, nam_dinh, monkeypatch):
    """An outage during the job is not one conference's failure: it reaches the scheduler, which
    logs one line per interval for it (``core.outage``), not a traceback per conference."""
    gone = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    def database_gone(*_args, **_kwargs):
        raise gone

    monkeypatch.setattr(exporters, "xlsx_bytes", database_gone)
    with pytest.raises(sa.exc.OperationalError):
        service.prebuild_workbooks()


def test_an_unreadable_table_reads_as_nothing_stored(nam_dinh, monkeypatch):
    missing = sa.table("no_such_table", sa.column("key"), sa.column("as_of"), sa.column("content"))
    monkeypatch.setattr(
        cache,
        "StoredWorkbook",
        SimpleNamespace(key=missing.c.key, as_of=missing.c.as_of, content=missing.c.content),
    )
    assert cache.load_workbook("k" * 64) is None
    assert not cache.workbook_stored("k" * 64)
    # The request's own transaction is untouched (on PostgreSQL a failed statement would abort it).
    assert db.session.get(type(nam_dinh.conference), nam_dinh.conference.id) is not None
