from datetime import UTC, datetime

from bridgeops.conference import service
from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint
from tests.conftest import bearer


def test_demo_reproduces_the_plan(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "namdinh-2022" in result.output and "/login" in result.output
    conference = service.get_conference("namdinh-2022")
    assert conference.timezone == "Asia/Ho_Chi_Minh"
    assert "lần thứ XIII" in conference.title
    rehearsal, *days = conference.sessions
    assert rehearsal.kind == "rehearsal"
    assert (rehearsal.starts_at, rehearsal.ends_at) == (
        datetime(2022, 4, 26, 1, 30, tzinfo=UTC),
        datetime(2022, 4, 26, 4, 30, tzinfo=UTC),
    )
    assert [(d.starts_at.day, d.starts_at.hour, d.ends_at.hour) for d in days] == [
        (27, 1, 10),
        (28, 1, 10),
        (29, 1, 10),
    ]
    codes = {c.code: c.levels for c in conference.categories}
    assert codes == {
        "bch_tinh": ["province"],
        "chuyen_trach_tinh": ["province"],
        "chu_tich_truc_thuoc": ["province"],
        "bch": ["district", "commune"],
        "chuyen_trach": ["district", "commune"],
        "chi_hoi_truong": ["district", "commune"],
    }
    province_point = db.session.scalar(db.select(BridgePoint).where(BridgePoint.unit_code == "36"))
    assert province_point.venue == "Phòng họp Tầng 3 Tỉnh ủy"


def test_demo_is_idempotent(runner):
    runner.invoke(args=["demo"])
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "Đã có sẵn" in again.output
    assert len(service.list_conferences()) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(BridgePoint)) == 1


def test_conference_api_gives_sessions_in_iso_with_offset(client, demo, officer_token):
    response = client.get("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == "namdinh-2022" and body["timezone"] == "Asia/Ho_Chi_Minh"
    assert body["sessions"][0]["kind"] == "rehearsal"
    starts = datetime.fromisoformat(body["sessions"][0]["starts_at"])
    assert starts.utcoffset() is not None
    assert starts == datetime(2022, 4, 26, 1, 30, tzinfo=UTC)
    assert [c["code"] for c in body["categories"]][:2] == ["bch_tinh", "chuyen_trach_tinh"]


def test_unknown_conference_is_a_404_problem(client, demo, officer_token):
    response = client.get("/api/v1/conferences/khong-co", headers=bearer(officer_token))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "khong-co" in response.get_json()["detail"]
