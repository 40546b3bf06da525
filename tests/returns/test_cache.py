"""The live return is cached per process and rebuilt exactly when its data changes."""

from __future__ import annotations

import io
import json

import openpyxl
import sqlalchemy as sa

from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint, DelegateCount
from bridgeops.returns import cache, exporters, service, table
from tests.conftest import bearer
from tests.factories import make_point, set_counts


def _builder(conference, calls: list[int]):
    def build():
        calls.append(1)
        return cache.encode(service.document_of(service.rollup(conference), conference))

    return build


def test_unchanged_data_is_served_without_a_new_roll_up(nam_dinh):
    calls: list[int] = []
    key = (cache.fingerprint(nam_dinh.conference), "json")
    first = cache.remember(key, _builder(nam_dinh.conference, calls))
    second = cache.remember(key, _builder(nam_dinh.conference, calls))
    assert calls == [1]
    assert first == second


def test_a_changed_count_confirmation_or_new_point_shows_at_once(nam_dinh):
    conference = nam_dinh.conference
    before = service.current_document(conference)["totals"]

    point = make_point(conference, "359")
    set_counts(point, {"bch": 22}, status="confirmed")
    db.session.commit()
    after = service.current_document(conference)["totals"]
    assert after["confirmed"]["delegates"] == before["confirmed"]["delegates"] + 22 + 5 + 14
    assert after["confirmed"]["points"] == before["confirmed"]["points"] + 1

    make_point(conference, "360", status="confirmed", counts={"bch": 7})
    db.session.commit()
    assert (
        service.current_document(conference)["totals"]["confirmed"]["points"]
        == after["confirmed"]["points"] + 1
    )


def test_a_count_written_behind_the_points_back_still_moves_the_return(nam_dinh):
    conference = nam_dinh.conference
    before = service.current_document(conference)["totals"]["registered"]["delegates"]
    db.session.execute(
        sa.update(DelegateCount)
        .where(DelegateCount.category_code == "bch")
        .values(count=DelegateCount.count + 1)
    )
    db.session.commit()
    after = service.current_document(conference)["totals"]["registered"]["delegates"]
    assert after > before


def test_api_json_is_the_cached_document_with_its_generation_time(nam_dinh, client, officer_token):
    response = client.get(
        f"/api/v1/conferences/{nam_dinh.conference.slug}/return", headers=bearer(officer_token)
    )
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert body["generated_at"]
    assert {k: v for k, v in body.items() if k != "generated_at"} == service.current_document(
        nam_dinh.conference
    )


def test_cached_csv_follows_a_change_and_keeps_a_fresh_name(nam_dinh):
    conference = nam_dinh.conference
    first = service.export(conference, "csv")
    assert service.export(conference, "csv").content == first.content
    make_point(conference, "360", status="confirmed", counts={"bch": 7}, venue="Nhà văn hóa Nam Trực")
    db.session.commit()
    second = service.export(conference, "csv")
    assert "Nhà văn hóa Nam Trực" in second.content.decode("utf-8-sig")
    assert second.filename.startswith(f"bao-cao-{conference.slug}-")
    assert second.filename.endswith(".csv")


#: The XLSX column of the "bch" category (the demo's fourth).
BCH = len(table.FIXED_HEADERS) + 3


def _workbook_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _point_row(rows: list[list], unit_code: str) -> list:
    return next(r for r in rows if r[0] and r[1] == unit_code)


def test_a_repeated_xlsx_download_is_not_built_again(nam_dinh, client, officer_token, monkeypatch):
    builds: list[int] = []
    real = exporters.xlsx_bytes
    monkeypatch.setattr(exporters, "xlsx_bytes", lambda *a: builds.append(1) or real(*a))
    url = f"/api/v1/conferences/{nam_dinh.conference.slug}/return?format=xlsx"
    first = client.get(url, headers=bearer(officer_token))
    second = client.get(url, headers=bearer(officer_token))
    assert first.status_code == second.status_code == 200
    assert builds == [1]
    assert second.data == first.data
    # Named for the time of the data it prints, the same both times.
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]


def test_cached_xlsx_shows_a_changed_count_at_once(nam_dinh, client, officer_token):
    url = f"/api/v1/conferences/{nam_dinh.conference.slug}/return?format=xlsx"
    before = _point_row(_workbook_rows(client.get(url, headers=bearer(officer_token)).data), "359")
    assert before[BCH] == 21

    point = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == "359"))
    set_counts(point, {"bch": 23})
    db.session.commit()
    after = _workbook_rows(client.get(url, headers=bearer(officer_token)).data)
    assert _point_row(after, "359")[BCH] == 23
    assert next(r for r in after if r[2] == "TỔNG CỘNG")[-1] == (
        nam_dinh.expected_confirmed + nam_dinh.expected_draft + 2
    )

    # A count written behind the service's back moves the fingerprint too.
    db.session.execute(
        sa.update(DelegateCount)
        .where(DelegateCount.point_id == point.id, DelegateCount.category_code == "bch")
        .values(count=30)
    )
    db.session.commit()
    again = _workbook_rows(client.get(url, headers=bearer(officer_token)).data)
    assert _point_row(again, "359")[BCH] == 30


def test_a_frozen_returns_xlsx_is_built_once(nam_dinh, client, officer, monkeypatch):
    snapshot = service.freeze(nam_dinh.conference, officer.email)
    db.session.commit()
    builds: list[int] = []
    real = exporters.xlsx_bytes
    monkeypatch.setattr(exporters, "xlsx_bytes", lambda *a: builds.append(1) or real(*a))
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    url = f"/conferences/{nam_dinh.conference.slug}/return/snapshots/{snapshot.id}/file.xlsx"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert builds == [1] and first.data == second.data
    # What was frozen, not what changed since.
    point = db.session.scalar(sa.select(BridgePoint).where(BridgePoint.unit_code == "359"))
    set_counts(point, {"bch": 23})
    db.session.commit()
    assert _point_row(_workbook_rows(client.get(url).data), "359")[BCH] == 21


def _states_held(conference) -> set[tuple]:
    """The fingerprints of ``conference`` this process holds files or workbooks for."""
    keys = cache._entries.held_keys() + cache._workbooks.held_keys()
    return {k[0] for k in keys if isinstance(k[0], tuple) and k[0][0][0] == conference.id}


def test_a_new_state_of_the_data_drops_what_was_kept_for_the_earlier_ones(nam_dinh, two_level):
    """Nationally a state is ~5 MB (JSON, workbook): kept states made a worker grow by ~8 MB a
    change. Another conference's files, and a frozen workbook, stay."""
    conference = nam_dinh.conference
    other = service.export(two_level, "csv").content
    for fmt in ("csv", "xlsx"):
        service.export(conference, fmt)
    frozen_key = ("frozen", "a" * 64, utcnow(), None)
    cache.remember_workbook(frozen_key, lambda: (utcnow(), b"frozen"))
    before = _states_held(conference)
    assert len(before) == 1

    make_point(conference, "360", counts={"bch": 7})
    db.session.commit()
    service.export(conference, "csv")
    after = _states_held(conference)
    assert len(after) == 1 and after != before
    assert _states_held(two_level)  # untouched
    assert frozen_key in cache._workbooks.held_keys()
    assert service.export(two_level, "csv").content == other


def test_a_late_request_with_the_previous_state_discards_nothing():
    """A slow request still holding the fingerprint from before a change must not throw away
    what was just built for the new one."""
    older, newer = ((999_999, "x"), 1), ((999_999, "x"), 2)
    cache.remember((older, "json"), lambda: b"older")
    cache.remember((newer, "json"), lambda: b"newer")
    assert (older, "json") not in cache._entries.held_keys()
    cache.remember((older, "json"), lambda: b"older again")  # the late one
    assert (newer, "json") in cache._entries.held_keys()
