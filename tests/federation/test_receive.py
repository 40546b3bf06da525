"""TW receives provinces' frozen returns: checks, supersession, refusals, roll-up and pages."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bridgeops.extensions import db
from bridgeops.federation.models import FederatedReturn
from bridgeops.registration.models import BridgePoint
from bridgeops.returns import service as returns
from bridgeops.returns.document import canonical_json, sha256_of
from bridgeops.units.models import AdminUnit
from tests.conftest import bearer
from tests.factories import make_point
from tests.federation.conftest import NATIONAL_SLUG, headers, register, submit_url


def stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FederatedReturn))


def post(client, token: str, body: bytes, key: str, slug: str = NATIONAL_SLUG):
    return client.post(submit_url(slug), data=body, headers=headers(token, key))


def rebuilt(body: bytes, change) -> tuple[bytes, str]:
    """The body with ``change`` applied to its document and a sha256 that matches again."""
    data = json.loads(body)
    envelope = {k: data.pop(k) for k in ("sha256", "frozen_at", "frozen_by")}
    change(data)
    envelope["sha256"] = sha256_of(data)
    return json.dumps({**data, **envelope}).encode(), envelope["sha256"]


def test_province_return_is_stored_and_counted_in_the_national_rollup(
    client, runner, national, nam_dinh_token, nam_dinh_return, officer_token
):
    phu_tho = register(
        runner,
        "25",
        "--name",
        "Tỉnh Phú Thọ",
        "--contact-name",
        "Hà Thị Lan",
        "--contact-phone",
        "0987 654 321",
    )
    assert phu_tho
    snapshot = nam_dinh_return
    response = post(client, nam_dinh_token, returns.submission_body(snapshot), snapshot.sha256)
    assert response.status_code == 201, response.json
    assert response.json["province"]["name"] == "Tỉnh Nam Định"
    assert response.json["sha256"] == snapshot.sha256 and not response.json["already_received"]

    rollup = client.get(
        f"/api/v1/federation/conferences/{NATIONAL_SLUG}/rollup", headers=bearer(officer_token)
    ).json
    assert rollup["submitted"] == 1 and rollup["missing"] == ["25"]
    assert rollup["confirmed"] == {
        "points": 2,
        "delegates": 123,
        "counts": {
            "bch_tinh": 41,
            "chuyen_trach_tinh": 12,
            "chu_tich_truc_thuoc": 9,
            "bch": 25,
            "chuyen_trach": 6,
            "chi_hoi_truong": 30,
        },
    }
    nam_dinh = next(p for p in rollup["provinces"] if p["province"]["code"] == "36")
    assert nam_dinh["confirmed"]["delegates"] == 123 and nam_dinh["submissions"] == 1


def test_national_page_shows_provinces_categories_and_who_to_call(
    client, runner, officer, national, nam_dinh_token, nam_dinh_return
):
    register(
        runner,
        "25",
        "--name",
        "Tỉnh Phú Thọ",
        "--contact-name",
        "Hà Thị Lan",
        "--contact-phone",
        "0987 654 321",
    )
    post(client, nam_dinh_token, returns.submission_body(nam_dinh_return), nam_dinh_return.sha256)
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(f"/federation/conferences/{NATIONAL_SLUG}").get_data(as_text=True)
    assert "Tỉnh đã gửi báo cáo" in page and "1/2" in page
    assert "Tỉnh Nam Định" in page and "Ủy viên BCH Hội LHPN tỉnh khóa XVII" in page
    assert 'href="tel:+84987654321"' in page and "Hà Thị Lan: 0987 654 321" in page
    assert "Chưa gửi" in page and "bch_tinh" not in page


def test_tampered_body_is_refused_and_nothing_stored(client, national, nam_dinh_token, nam_dinh_return):
    body = returns.submission_body(nam_dinh_return).replace(b'"bch": 25', b'"bch": 52')
    assert b'"bch": 52' in body
    response = post(client, nam_dinh_token, body, nam_dinh_return.sha256)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "sha256" in response.json["errors"] and "đường truyền" in response.json["detail"]
    assert stored() == 0


def test_idempotency_key_must_be_present_and_be_the_sha256(client, national, nam_dinh_token, nam_dinh_return):
    body = returns.submission_body(nam_dinh_return)
    missing = client.post(
        submit_url(),
        data=body,
        headers={"Authorization": f"Bearer {nam_dinh_token}", "Content-Type": "application/json"},
    )
    other = post(client, nam_dinh_token, body, "0" * 64)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json["errors"]
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]
    assert stored() == 0


def test_unknown_and_revoked_credentials_are_refused(
    client, runner, national, nam_dinh_token, nam_dinh_return
):
    body = returns.submission_body(nam_dinh_return)
    unknown = post(client, "not-a-credential", body, nam_dinh_return.sha256)
    result = runner.invoke(args=["federation", "revoke", "--code", "36"])
    assert result.exit_code == 0 and "Đã thu hồi" in result.output
    revoked = post(client, nam_dinh_token, body, nam_dinh_return.sha256)
    assert unknown.status_code == 401 and "không đúng" in unknown.json["detail"]
    assert revoked.status_code == 401 and "thu hồi" in revoked.json["detail"]
    assert revoked.content_type == "application/problem+json"
    assert stored() == 0


def test_same_content_again_is_answered_with_what_is_stored(
    client, national, nam_dinh_token, nam_dinh_return
):
    body = returns.submission_body(nam_dinh_return)
    first = post(client, nam_dinh_token, body, nam_dinh_return.sha256)
    again = post(client, nam_dinh_token, body, nam_dinh_return.sha256)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["already_received"]
    assert stored() == 1


def test_resubmission_supersedes_keeps_history_and_refuses_the_old_one(
    client, officer, officer_token, demo, national, nam_dinh_token, nam_dinh_return
):
    old_body = returns.submission_body(nam_dinh_return)
    first = post(client, nam_dinh_token, old_body, nam_dinh_return.sha256).json
    make_point(demo, "359", status="confirmed", counts={"bch": 21, "chuyen_trach": 5})
    newer = returns.freeze(demo, "officer:test")
    db.session.commit()
    second = post(client, nam_dinh_token, returns.submission_body(newer), newer.sha256)
    assert second.status_code == 201 and second.json["superseded"] == first["id"]

    replay = post(client, nam_dinh_token, old_body, nam_dinh_return.sha256)
    assert replay.status_code == 409 and "bản cũ" in replay.json["detail"]
    assert stored() == 2
    rollup = client.get(
        f"/api/v1/federation/conferences/{NATIONAL_SLUG}/rollup", headers=bearer(officer_token)
    ).json
    assert rollup["confirmed"]["delegates"] == 123 + 26
    assert rollup["provinces"][0]["submissions"] == 2

    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(f"/federation/conferences/{NATIONAL_SLUG}/provinces/36")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Các lần gửi (2)" in text and "Bản hiện hành" in text and "Đã được thay" in text
    assert "Huyện Vụ Bản" in text and "Mới đăng ký" in text and "(+26)" in text


def test_a_return_frozen_before_the_current_one_is_refused(
    client, demo, national, nam_dinh_token, nam_dinh_return
):
    make_point(demo, "359", status="confirmed", counts={"bch": 21})
    newer = returns.freeze(demo, "officer:test")
    db.session.commit()
    assert post(client, nam_dinh_token, returns.submission_body(newer), newer.sha256).status_code == 201
    late = post(client, nam_dinh_token, returns.submission_body(nam_dinh_return), nam_dinh_return.sha256)
    assert late.status_code == 409 and "cũ hơn" in late.json["detail"]
    assert stored() == 1


def test_another_schema_version_is_refused(client, national, nam_dinh_token, nam_dinh_return):
    body, sha = rebuilt(
        returns.submission_body(nam_dinh_return), lambda d: d.update(schema="bridgeops.return/v2")
    )
    response = post(client, nam_dinh_token, body, sha)
    assert response.status_code == 422 and "schema" in response.json["errors"]
    assert "bridgeops.return/v1" in response.json["detail"]
    assert stored() == 0


def test_a_province_cannot_submit_another_provinces_return(client, runner, national, nam_dinh_return):
    phu_tho = register(runner, "25", "--name", "Tỉnh Phú Thọ")
    response = post(client, phu_tho, returns.submission_body(nam_dinh_return), nam_dinh_return.sha256)
    assert response.status_code == 422
    assert "Tỉnh Phú Thọ" in response.json["detail"] and "36" in response.json["detail"]
    assert stored() == 0


def test_a_province_conference_takes_no_returns(client, demo, national, nam_dinh_token, nam_dinh_return):
    response = post(
        client,
        nam_dinh_token,
        returns.submission_body(nam_dinh_return),
        nam_dinh_return.sha256,
        slug=demo.slug,
    )
    assert response.status_code == 409 and response.json["title"] == "Không phải hội nghị toàn quốc"


def test_garbage_body_is_a_problem_not_a_500(client, national, nam_dinh_token):
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", canonical_json({"sha256": "x"})):
        response = post(client, nam_dinh_token, body, "x")
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"


def test_submission_exports_are_the_province_files(
    client, officer, national, nam_dinh_token, nam_dinh_return
):
    receipt = post(
        client, nam_dinh_token, returns.submission_body(nam_dinh_return), nam_dinh_return.sha256
    ).json
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    base = f"/federation/conferences/{NATIONAL_SLUG}/provinces/36/returns/{receipt['id']}"
    csv = client.get(base + "/file.csv")
    xlsx = client.get(base + "/file.xlsx")
    data = client.get(base + "/file.json")
    printed = client.get(base)
    expected = returns.export_document(nam_dinh_return.document, "csv", nam_dinh_return.created_at)
    assert csv.status_code == 200 and csv.data == expected.content
    assert expected.filename in csv.headers["Content-Disposition"]
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert json.loads(data.data)["totals"]["confirmed"]["delegates"] == 123
    assert printed.status_code == 200 and "HỘI LHPN TỈNH NAM ĐỊNH" in printed.get_data(as_text=True)
    assert client.get(base.replace(str(receipt["id"]), "999") + "/file.csv").status_code == 404


def test_register_cli_normalises_the_phone_and_refuses_a_live_duplicate(runner, demo):
    token = register(runner, "36", "--contact-phone", "0912 345 678")
    again = runner.invoke(args=["federation", "register", "--code", "36"])
    bad_phone = runner.invoke(
        args=["federation", "register", "--code", "37", "--name", "Tỉnh X", "--contact-phone", "123"]
    )
    listed = runner.invoke(args=["federation", "list"])
    assert len(token) >= 40
    assert again.exit_code != 0 and "đã được đăng ký" in again.output
    assert bad_phone.exit_code != 0 and "Số điện thoại" in bad_phone.output
    assert "36\tTỉnh Nam Định\t+84912345678\tđang hiệu lực" in listed.output


def test_the_same_return_sent_five_times_at_once_is_stored_once(
    app, national, nam_dinh_token, nam_dinh_return
):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.live_server import threaded_server

    body = returns.submission_body(nam_dinh_return)
    with threaded_server(app) as url, ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(
                lambda _: requests.post(
                    url + submit_url(),
                    data=body,
                    timeout=30,
                    headers=headers(nam_dinh_token, nam_dinh_return.sha256),
                ),
                range(5),
            )
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    db.session.rollback()
    assert stored() == 1


def test_a_return_with_malformed_totals_is_refused_not_counted(
    client, national, nam_dinh_token, nam_dinh_return
):
    body, sha = rebuilt(returns.submission_body(nam_dinh_return), lambda d: d["totals"].pop("registered"))
    response = post(client, nam_dinh_token, body, sha)
    assert response.status_code == 422 and "bridgeops.return/v1" in response.json["errors"]["__body__"]
    assert stored() == 0


def test_the_national_rollup_has_the_files_and_printed_page_of_a_return(
    client, officer, national, nam_dinh_token, nam_dinh_return
):
    post(client, nam_dinh_token, returns.submission_body(nam_dinh_return), nam_dinh_return.sha256)
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    base = f"/federation/conferences/{NATIONAL_SLUG}"
    csv = client.get(base + "/file.csv").data.decode("utf-8-sig")
    xlsx = client.get(base + "/file.xlsx")
    data = json.loads(client.get(base + "/file.json").data)
    printed = client.get(base + "/print").get_data(as_text=True)
    assert "Cộng Tỉnh Nam Định" in csv and "Ủy viên BCH Hội LHPN tỉnh khóa XVII" in csv
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert data["totals"]["confirmed"]["delegates"] == 123
    assert data["districts"][0]["units_total"] == db.session.scalar(
        sa.select(sa.func.count()).select_from(AdminUnit).where(AdminUnit.province_code == "36")
    )
    assert "Cộng Tỉnh Nam Định" in printed and "TỔNG CỘNG" in printed


def test_bad_credentials_are_throttled_but_a_province_with_a_valid_one_behind_the_same_address_is_not(
    client, national, nam_dinh_token, nam_dinh_return
):
    office = {"REMOTE_ADDR": "203.0.113.36"}  # the province office's NAT address
    body, key = returns.submission_body(nam_dinh_return), nam_dinh_return.sha256

    def send(token: str):
        return client.post(submit_url(), data=body, headers=headers(token, key), environ_base=office)

    statuses = [send(f"guess-{i}").status_code for i in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    accepted = send(nam_dinh_token)
    assert accepted.status_code == 201, accepted.json
    assert send(nam_dinh_token).status_code == 200  # and again, still not throttled
    refused = send("guess-again")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert "Quá nhiều" in refused.json["detail"]
    assert stored() == 1


def attendance_snapshot(conference, session):
    from bridgeops.attendance import service as attendance

    snapshot = attendance.freeze(conference, session, "officer:test")
    db.session.commit()
    return snapshot


def test_attendance_and_followup_reports_are_received_each_as_their_own_kind(
    client, officer, national, nam_dinh_token, nam_dinh_return, officer_token
):
    from bridgeops.followup import service as followup

    conference = nam_dinh_return.conference
    first, second = sorted(
        (s for s in conference.sessions if s.kind == "session"), key=lambda s: s.starts_at
    )[:2]
    on_first = attendance_snapshot(conference, first)
    on_second = attendance_snapshot(conference, second)
    report = followup.freeze(conference, "officer:test")
    db.session.commit()
    for snapshot, kind in (
        (nam_dinh_return, "headcount"),
        (on_first, "attendance"),
        (on_second, "attendance"),
        (report, "followup"),
    ):
        response = post(client, nam_dinh_token, returns.submission_body(snapshot), snapshot.sha256)
        assert response.status_code == 201, response.json
        assert response.json["kind"] == kind and response.json["superseded"] is None
    # A session's report supersedes that session's earlier one only.
    make_point(conference, "359", status="confirmed", counts={"bch": 21})
    db.session.commit()
    newer = attendance_snapshot(conference, first)
    response = post(client, nam_dinh_token, returns.submission_body(newer), newer.sha256)
    assert response.status_code == 201 and response.json["superseded"] is not None
    superseded = db.session.get(FederatedReturn, response.json["superseded"])
    assert superseded.sha256 == on_first.sha256
    # The first session's old report again: refused as stale; nothing stored twice.
    stale = post(client, nam_dinh_token, returns.submission_body(on_first), on_first.sha256)
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    assert stored() == 5
    # The headcount roll-up counts only the headcount return.
    rollup = client.get(
        f"/api/v1/federation/conferences/{NATIONAL_SLUG}/rollup", headers=bearer(officer_token)
    ).json
    assert rollup["confirmed"]["delegates"] == 123
    assert rollup["provinces"][0]["submissions"] == 1

    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get(f"/federation/conferences/{NATIONAL_SLUG}").get_data(as_text=True)
    assert "Số người dự thực tế" in page and first.title in page and second.title in page
    assert "Hội nghị triển khai các cấp" in page
    province = client.get(f"/federation/conferences/{NATIONAL_SLUG}/provinces/36").get_data(as_text=True)
    assert "Thay đổi so với bản trước" in province
    assert "Tổng cộng: số đại biểu đã xác nhận" in province  # 123 → 144
    current = db.session.scalars(
        sa.select(FederatedReturn).where(
            FederatedReturn.kind != "headcount", FederatedReturn.superseded_at.is_(None)
        )
    ).all()
    for received in current:
        base = f"/federation/conferences/{NATIONAL_SLUG}/provinces/36/returns/{received.id}"
        printed = client.get(base)
        assert printed.status_code == 200 and received.sha256[:12] in printed.get_data(as_text=True)
        for fmt in ("csv", "xlsx", "json"):
            assert client.get(f"{base}/file.{fmt}").status_code == 200
        assert client.get(f"{base}/file.pdf").status_code == 422


def test_malformed_attendance_and_unknown_schemas_are_refused_in_vietnamese(
    client, national, nam_dinh_token, nam_dinh_return
):
    conference = nam_dinh_return.conference
    session = next(s for s in conference.sessions if s.kind == "session")
    snapshot = attendance_snapshot(conference, session)
    body, sha = rebuilt(returns.submission_body(snapshot), lambda d: d["totals"].pop("present"))
    response = post(client, nam_dinh_token, body, sha)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "bridgeops.attendance/v1" in response.json["errors"]["__body__"]
    assert "số người dự" in response.json["detail"]
    body, sha = rebuilt(
        returns.submission_body(snapshot), lambda d: d.update(schema="bridgeops.attendance/v2")
    )
    response = post(client, nam_dinh_token, body, sha)
    assert response.status_code == 422 and "bridgeops.followup/v1" in response.json["detail"]
    # A follow-up report whose unit is in a state TW cannot print.
    from bridgeops.followup import service as followup

    report = followup.freeze(conference, "officer:test")
    db.session.commit()

    def odd_state(document):
        document["units"][0]["state"] = "maybe"

    body, sha = rebuilt(returns.submission_body(report), odd_state)
    response = post(client, nam_dinh_token, body, sha)
    assert response.status_code == 422 and "bridgeops.followup/v1" in response.json["errors"]["__body__"]
    assert stored() == 0


def test_the_rollup_api_shows_attendance_beside_confirmed_and_open_followups(
    client, national, nam_dinh_token, nam_dinh_return, officer_token, runner
):
    conference = nam_dinh_return.conference
    register(runner, "25", "--name", "Tỉnh Phú Thọ")  # registered, nothing sent
    first = min((s for s in conference.sessions if s.kind == "session"), key=lambda s: s.starts_at)
    province_point = db.session.scalar(
        sa.select(BridgePoint).where(
            BridgePoint.conference_id == conference.id, BridgePoint.unit_code == "36"
        )
    )
    recorded = client.post(
        f"/api/v1/points/{province_point.id}/attendance",
        headers=bearer(officer_token),
        json={"session_id": first.id, "counts": {"bch_tinh": 38, "chuyen_trach_tinh": 12}},
    )
    assert recorded.status_code in (200, 201), recorded.json
    held = client.put(
        f"/api/v1/conferences/{conference.slug}/followups/358",
        headers=bearer(officer_token),
        json={"held_on": "2022-05-20", "format": "in_person", "presenter": "Báo cáo viên", "officials": 12},
    )
    assert held.status_code == 200, held.json
    from bridgeops.followup import service as followup

    report = followup.freeze(conference, "officer:test")
    db.session.commit()
    for snapshot in (nam_dinh_return, attendance_snapshot(conference, first), report):
        response = post(client, nam_dinh_token, returns.submission_body(snapshot), snapshot.sha256)
        assert response.status_code == 201, response.json

    rollup = client.get(
        f"/api/v1/federation/conferences/{NATIONAL_SLUG}/rollup", headers=bearer(officer_token)
    ).json
    lines = {p["province"]["code"]: p for p in rollup["provinces"]}
    assert lines["25"]["attendance"] == [] and lines["25"]["followup"] is None
    (session,) = lines["36"]["attendance"]
    assert session["session"]["title"] == first.title
    assert session["points"] == 2 and session["reported_points"] == 1
    # Present beside confirmed, per category: 38 of the province's 41 committee members came.
    assert session["confirmed"]["counts"]["bch_tinh"] == 41
    assert session["present"]["counts"]["bch_tinh"] == 38
    assert session["present"]["counts"]["chuyen_trach_tinh"] == 12
    assert session["present"]["counts"]["bch"] == 0
    assert session["present"]["delegates"] == 50
    assert session["confirmed"]["delegates"] == 123
    followups = lines["36"]["followup"]
    assert followups["units_held"] == 1 and followups["units_total"] > 1
    assert followups["units_open"] == followups["units_total"] - 1
    assert followups["as_of_day"]
    # Nationally: the same session summed over the provinces that sent it.
    (national_session,) = rollup["attendance"]
    assert national_session["provinces"] == 1
    assert national_session["present"] == session["present"]
    assert national_session["confirmed"] == session["confirmed"]
    assert rollup["followup"] == {**followups, "as_of_day": None}
