"""The live return is cached per process and rebuilt exactly when its data changes."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.registration.models import DelegateCount
from bridgeops.returns import cache, service
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
