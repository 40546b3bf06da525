"""Copying a conference: one request carries its categories, sessions and every point."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from bridgeops.conference import service
from bridgeops.extensions import db
from bridgeops.invites.models import Invite
from bridgeops.registration.models import BridgePoint, DelegateCount
from tests.conference.helpers import register_every_unit
from tests.conftest import bearer


def _points(conference_id: int) -> dict[str, BridgePoint]:
    return {
        p.unit_code: p
        for p in db.session.scalars(sa.select(BridgePoint).where(BridgePoint.conference_id == conference_id))
    }


def test_copying_the_demo_with_237_points_takes_one_request(client, demo, officer_token):
    assert register_every_unit(demo) + 1 == 237
    source_points = _points(demo.id)
    source_invites = db.session.scalar(sa.select(sa.func.count()).select_from(Invite))
    source_counts = db.session.scalar(sa.select(sa.func.count()).select_from(DelegateCount))
    assert len(source_points) == 237 and source_invites == 236 * 4

    started = time.perf_counter()
    response = client.post(
        "/api/v1/conferences/namdinh-2022/copy",
        headers=bearer(officer_token),
        json={"slug": "namdinh-2026", "shift_days": 1456, "title": "Hội nghị sơ kết giữa nhiệm kỳ"},
    )
    print(f"copy of 237 points: {time.perf_counter() - started:.2f} s")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["carried"] == 237 and body["unplaced"] == []
    assert body["copied_from"] == "namdinh-2022" and body["title"] == "Hội nghị sơ kết giữa nhiệm kỳ"
    assert [c["code"] for c in body["categories"]] == [c.code for c in demo.categories]
    copy = service.get_conference("namdinh-2026")
    assert [s.starts_at for s in copy.sessions] == [s.starts_at + timedelta(days=1456) for s in demo.sessions]
    copied = _points(copy.id)
    assert set(copied) == set(source_points)
    for code, point in copied.items():
        source = source_points[code]
        assert point.status == "draft" and point.total_delegates == 0 and point.counts == []
        assert (point.name, point.venue, point.capacity, point.probe_target) == (
            source.name,
            source.venue,
            source.capacity,
            source.probe_target,
        )
        assert [(t.name, t.phone, t.email) for t in point.technicians] == [
            (t.name, t.phone, t.email) for t in source.technicians
        ]
        if source.upstream_point_id:
            upstream = db.session.get(BridgePoint, point.upstream_point_id)
            assert upstream.conference_id == copy.id
            assert upstream.unit_code == db.session.get(BridgePoint, source.upstream_point_id).unit_code
    # Invites go out for the new sessions only; the source's are as they were.
    new_sessions = {s.id for s in copy.sessions}
    invites = list(db.session.scalars(sa.select(Invite).where(Invite.session_id.in_(new_sessions))))
    assert len(invites) == 236 * 4
    assert {i.point_id for i in invites} <= {p.id for p in copied.values()}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 2 * 236 * 4
    uids = db.session.scalars(sa.select(Invite.uid))
    assert len(set(uids)) == 2 * 236 * 4
    # The source is untouched.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DelegateCount)) == source_counts
    assert {c: (p.status, p.version) for c, p in _points(demo.id).items()} == {
        c: (p.status, p.version) for c, p in source_points.items()
    }


def test_copy_refuses_a_duplicate_slug_and_an_unknown_source(client, demo, officer_token):
    taken = client.post(
        "/api/v1/conferences/namdinh-2022/copy", headers=bearer(officer_token), json={"slug": "namdinh-2022"}
    )
    assert taken.status_code == 409
    missing = client.post(
        "/api/v1/conferences/khong-co/copy", headers=bearer(officer_token), json={"slug": "moi-2027"}
    )
    assert missing.status_code == 404
    bad = client.post(
        "/api/v1/conferences/namdinh-2022/copy",
        headers=bearer(officer_token),
        json={"slug": "moi-2099", "shift_days": 365 * 80},
    )
    assert bad.status_code == 422 and "shift_days" in bad.get_json()["errors"]
    assert len(service.list_conferences()) == 1


def test_copy_to_one_district_leaves_the_rest_unplaced(runner, demo):
    register_every_unit(demo)
    result = runner.invoke(
        args=[
            "conference",
            "copy",
            "namdinh-2022",
            "--slug",
            "myloc-2027",
            "--shift-days",
            "1800",
            "--host",
            "356",
        ]
    )
    assert result.exit_code == 0, result.output
    copy = service.get_conference("myloc-2027")
    copied = _points(copy.id)
    assert copied and all(p.district_code == "356" for p in copied.values())
    carried = int(result.output.split("carried\t")[1].split()[0])
    unplaced = int(result.output.split("unplaced\t")[1].split()[0])
    assert carried == len(copied) and carried + unplaced == 237
    assert "36\tTỉnh Nam Định" in result.output
