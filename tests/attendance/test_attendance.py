"""Actual attendance with the demo's sessions moved to now: technicians at three points
report (phone form and API), the board shows present against confirmed and who has not
reported, and the attendance return's files and snapshot match the reports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.audit.models import AuditEvent
from bridgeops.core.time import utcnow
from bridgeops.extensions import db
from bridgeops.returns import document as canonical
from tests.conftest import bearer
from tests.factories import make_point

SLUG = "namdinh-2022"
BOARD = f"/conferences/{SLUG}/attendance"
API = f"/api/v1/conferences/{SLUG}/attendance"


def login(client, officer) -> None:
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})


def move_sessions_to_now(conference) -> list:
    """The first session started an hour ago; the others follow day by day."""
    now = utcnow().replace(microsecond=0)
    sessions = [s for s in conference.sessions if s.kind == "session"]
    for day, session in enumerate(sessions):
        session.starts_at = now - timedelta(hours=1) + timedelta(days=day)
        session.ends_at = session.starts_at + timedelta(hours=8)
    db.session.commit()
    return sessions


def technician_token(conference, point) -> str:
    issued = accounts.issue_grant("technician", conference_id=conference.id, point_id=point.id)
    db.session.commit()
    return issued.token


@pytest.fixture
def live(demo):
    """Four confirmed points (province, Mỹ Lộc, a commune of Mỹ Lộc, Vụ Bản), sessions now."""
    conference = demo
    points = {
        "36": make_point(
            conference,
            "36",
            status="confirmed",
            counts={"bch_tinh": 41, "chuyen_trach_tinh": 12, "chu_tich_truc_thuoc": 9},
        ),
        "358": make_point(
            conference, "358", status="confirmed", counts={"bch": 25, "chuyen_trach": 6, "chi_hoi_truong": 30}
        ),
        "13708": make_point(
            conference,
            "13708",
            status="confirmed",
            counts={"bch": 11, "chuyen_trach": 2, "chi_hoi_truong": 8},
        ),
        "359": make_point(
            conference,
            "359",
            status="confirmed",
            counts={"bch": 21, "chuyen_trach": 5, "chi_hoi_truong": 14},
            technicians=(("Lê Văn Cường", "+84987654321"),),
        ),
    }
    db.session.commit()
    sessions = move_sessions_to_now(conference)
    tokens = {code: technician_token(conference, p) for code, p in points.items()}
    return conference, points, sessions, tokens


def report_three(client, live) -> None:
    conference, points, sessions, tokens = live
    # The province's technician on her phone: the link page offers the form while it is open.
    page = client.get(f"/t/{tokens['36']}").get_data(as_text=True)
    assert f"/t/{tokens['36']}/attendance" in page
    response = client.post(
        f"/t/{tokens['36']}/attendance",
        data={
            "session_id": sessions[0].id,
            "count_bch_tinh": "39",
            "count_chuyen_trach_tinh": "12",
            "count_chu_tich_truc_thuoc": "8",
        },
    )
    assert response.status_code == 303
    assert "Đã lưu số người có mặt" in client.get(response.headers["Location"]).get_data(as_text=True)
    # Mỹ Lộc's technician through the API, with her link's token.
    response = client.post(
        f"/api/v1/points/{points['358'].id}/attendance",
        headers=bearer(tokens["358"]),
        json={"session_id": sessions[0].id, "counts": {"bch": 24, "chuyen_trach": 6, "chi_hoi_truong": 27}},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["present"] == 57 and response.get_json()["confirmed"] == 61
    # The commune's technician: a first figure, then a correction (blank = nobody).
    for bch in ("9", "10"):
        response = client.post(
            f"/t/{tokens['13708']}/attendance",
            data={
                "session_id": sessions[0].id,
                "count_bch": bch,
                "count_chuyen_trach": "",
                "count_chi_hoi_truong": "8",
            },
        )
        assert response.status_code == 303


def test_three_points_report_and_the_board_shows_present_against_confirmed(client, live, officer):
    conference, points, sessions, tokens = live
    report_three(client, live)
    login(client, officer)
    page = client.get(BOARD).get_data(as_text=True)
    assert "3/4" in page  # points reported
    stats = page.split('class="stats"')[1].split("</section>")[0]
    assert "134" in stats and "184" in stats  # present 59+57+18, confirmed 62+61+21+40
    missing = page.split('id="chua-bao-cao"')[1].split("</section>")[0]
    assert "Huyện Vụ Bản" in missing and 'href="tel:+84987654321"' in missing
    assert "Huyện Mỹ Lộc" not in missing and "Tỉnh Nam Định" not in missing
    rows = page.split("attendance-points")[1]
    my_loc = rows.split('data-unit="358"')[1].split("</tr>")[0]
    assert ">61<" in my_loc and ">57<" in my_loc
    # The live board and the return both lead to it.
    assert BOARD in client.get(f"/conferences/{SLUG}/board").get_data(as_text=True)
    dashboard = client.get(f"/conferences/{SLUG}/return").get_data(as_text=True)
    glance = dashboard.split('id="so-nguoi-du"')[1].split("</section>")[0]
    assert "<strong>134</strong> người có mặt trên" in glance and "3/4 điểm cầu" in glance
    assert BOARD in glance

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity == "attendance_report").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["create", "create", "create", "update"]
    assert events[-1].before["counts"]["bch"] == 9 and events[-1].after["counts"]["bch"] == 10


def test_the_export_and_its_snapshot_match_the_reports(client, live, officer_token):
    conference, points, sessions, tokens = live
    report_three(client, live)
    document = client.get(API, headers=bearer(officer_token)).get_json()
    assert document["schema"] == "bridgeops.attendance/v1"
    assert document["session"]["id"] == sessions[0].id
    assert document["totals"]["present"]["delegates"] == 59 + 57 + 18
    assert document["totals"]["reported_points"] == 3 and document["not_reported"] == ["359"]
    by_unit = {p["unit_code"]: p for p in document["points"]}
    assert by_unit["358"]["present"]["counts"] == {
        "bch": 24,
        "chuyen_trach": 6,
        "chi_hoi_truong": 27,
        "bch_tinh": 0,
        "chuyen_trach_tinh": 0,
        "chu_tich_truc_thuoc": 0,
    }
    assert by_unit["359"]["present"] is None

    csv_file = client.get(f"{API}?format=csv&session={sessions[0].id}", headers=bearer(officer_token))
    assert csv_file.data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    header = table[0]
    present_col = header.index("Tổng có mặt")
    present = {row[1]: row[present_col] for row in table[1:] if row[0].isdigit()}
    assert present == {"36": "59", "358": "57", "13708": "18", "359": ""}
    assert table[-1][present_col] == "134"

    response = client.post(
        f"{API}/snapshots", headers=bearer(officer_token), json={"session_id": sessions[0].id}
    )
    assert response.status_code == 201
    frozen = response.get_json()
    live_document = {k: v for k, v in document.items() if k != "generated_at"}
    assert frozen["document"] == live_document
    assert frozen["sha256"] == canonical.sha256_of(live_document)

    # A later correction changes the live return, never the snapshot.
    client.post(
        f"/api/v1/points/{points['359'].id}/attendance",
        headers=bearer(tokens["359"]),
        json={"session_id": sessions[0].id, "counts": {"bch": 20}},
    )
    assert client.get(API, headers=bearer(officer_token)).get_json()["not_reported"] == []
    again = client.get(f"{API}/snapshots/{frozen['id']}", headers=bearer(officer_token)).get_json()
    assert again["document"]["not_reported"] == ["359"] and again["sha256"] == frozen["sha256"]

    # The snapshot's Excel file holds the frozen numbers as number cells.
    login_page = client.post("/login", data={"email": "officer@hoiphunu.test", "password": "mat-khau-123"})
    assert login_page.status_code in (302, 303)
    xlsx = client.get(f"{BOARD}/snapshots/{frozen['id']}/file.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header_row = next(r for r in cells if r and r[0] == "STT")
    col = header_row.index("Tổng có mặt")
    frozen_present = {r[1]: r[col] for r in cells if r and isinstance(r[0], int)}
    assert frozen_present == {"36": 59, "358": 57, "13708": 18, "359": None}
    assert client.get(f"{BOARD}/snapshots/{frozen['id']}/print").status_code == 200


def test_bad_input_is_explained_in_vietnamese_and_nothing_is_lost(client, live):
    conference, points, sessions, tokens = live
    response = client.post(
        f"/t/{tokens['358']}/attendance",
        data={
            "session_id": sessions[0].id,
            "count_bch": "hai mươi",
            "count_chuyen_trach": "6",
            "count_chi_hoi_truong": "-3",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Phải là số nguyên." in page and "Phải lớn hơn hoặc bằng 0." in page
    assert 'value="hai mươi"' in page and 'value="6"' in page

    api = f"/api/v1/points/{points['358'].id}/attendance"
    response = client.post(
        api, headers=bearer(tokens["358"]), json={"session_id": sessions[0].id, "counts": {"bch_tinh": 3}}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"counts.bch_tinh": "Thành phần này không thuộc điểm cầu này."}
    # Tomorrow's session is not open yet.
    response = client.post(
        api, headers=bearer(tokens["358"]), json={"session_id": sessions[1].id, "counts": {"bch": 3}}
    )
    assert response.status_code == 409 and "Chỉ ghi được" in response.get_json()["detail"]
    # Another point's technician cannot report for Mỹ Lộc.
    response = client.post(
        api, headers=bearer(tokens["359"]), json={"session_id": sessions[0].id, "counts": {"bch": 3}}
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.text("SELECT count(*) FROM attendance_report")) == 0


def test_the_form_is_closed_before_the_session_and_hours_after_it(client, live):
    conference, points, sessions, tokens = live
    first = sessions[0]
    first.starts_at = utcnow() - timedelta(hours=14)
    first.ends_at = utcnow() - timedelta(hours=5)
    db.session.commit()
    page = client.get(f"/t/{tokens['358']}").get_data(as_text=True)
    assert f"/t/{tokens['358']}/attendance" not in page
    form = client.get(f"/t/{tokens['358']}/attendance").get_data(as_text=True)
    assert "Chưa đến giờ báo cáo" in form
    response = client.post(
        f"/api/v1/points/{points['358'].id}/attendance",
        headers=bearer(tokens["358"]),
        json={"session_id": first.id, "counts": {"bch": 3}},
    )
    assert response.status_code == 409


def test_the_chair_reports_for_a_commune_of_her_district_from_her_page(client, live):
    conference, points, sessions, tokens = live
    issued = accounts.issue_grant("chair", conference_id=conference.id, unit_code="358")
    db.session.commit()
    client.get(f"/c/{issued.token}")
    home = client.get(f"/conferences/{SLUG}/registration").get_data(as_text=True)
    section = home.split('id="so-nguoi-du"')[1].split("</section>")[0]
    form_url = f"/points/{points['13708'].id}/attendance"
    assert form_url in section and f"/points/{points['359'].id}/" not in section
    response = client.post(
        form_url,
        data={
            "session_id": sessions[0].id,
            "count_bch": "7",
            "count_chuyen_trach": "2",
            "count_chi_hoi_truong": "5",
        },
    )
    assert response.status_code == 303
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "attendance_report")).one()
    assert event.actor == "chair:358" and event.after["present"] == 14
    # Vụ Bản is not hers.
    assert client.get(f"/points/{points['359'].id}/attendance").status_code == 404


def test_the_officer_freezes_the_session_from_the_board(client, live, officer):
    conference, points, sessions, tokens = live
    report_three(client, live)
    login(client, officer)
    response = client.post(f"{BOARD}/snapshots", data={"session_id": sessions[0].id})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3/4" in page and "134" in page and sessions[0].title in page
    board = client.get(f"{BOARD}?session={sessions[0].id}").get_data(as_text=True)
    assert "Bản chốt số" in board
    # Tomorrow's session has its own (empty) list and nobody reported yet.
    tomorrow = client.get(f"{BOARD}?session={sessions[1].id}").get_data(as_text=True)
    assert "Bản chốt số" not in tomorrow and "0/4" in tomorrow
