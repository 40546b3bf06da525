"""Follow-up conferences for the demo: ten districts record theirs (some late, one missing),
the tracker shows 9/10 held with the overdue one first, reminders are queued exactly once per
chair per reminder and delivered over real SMTP, and the consolidated report exports, freezes
and submits to a real local HTTP server standing in for TW."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from bridgeops.accounts import service as accounts
from bridgeops.audit.models import AuditEvent
from bridgeops.core.time import local, utcnow
from bridgeops.extensions import db
from bridgeops.followup import service
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration.models import Contact
from bridgeops.returns import document as canonical
from tests.conftest import bearer
from tests.factories import chair_token, make_point
from tests.returns.test_submission import serve

SLUG = "namdinh-2022"
API = f"/api/v1/conferences/{SLUG}"
DISTRICTS = ["356", "358", "359", "360", "361", "362", "363", "364", "365", "366"]
MISSING = "363"  # Huyện Trực Ninh holds nothing
LATE = {"359": date(2022, 7, 4), "364": date(2022, 7, 12), "366": date(2022, 7, 2)}


def login(client, officer) -> None:
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})


def followup_body(unit_code: str, index: int) -> dict:
    held = LATE.get(unit_code, date(2022, 6, 10) + timedelta(days=index))
    return {
        "planned_on": (held - timedelta(days=3)).isoformat(),
        "held_on": held.isoformat(),
        "format": "online" if index % 3 == 0 else "in_person",
        "presenter": f"Báo cáo viên {index}",
        "officials": 20 + index,
        "members": 100 + index,
        "women": 50,
        "branches_total": 20,
        "branches_reached": 18 + index % 3,
        "chair_name": f"Chủ tịch {unit_code}",
        "chair_phone": f"09120000{index:02d}",
    }


@pytest.fixture
def deadlines(client, demo, officer_token):
    response = client.put(
        f"{API}/followup-deadlines",
        headers=bearer(officer_token),
        json={"province": "2022-05-30", "district": "2022-06-30", "commune": "2022-06-30"},
    )
    assert response.status_code == 200, response.get_json()
    return demo


@pytest.fixture
def nine_held(client, deadlines, officer_token):
    """Nine districts record their follow-up, each through her chair's link token (one by the
    officer); Trực Ninh records nothing."""
    for index, code in enumerate(DISTRICTS):
        if code == MISSING:
            continue
        token = officer_token if code == "356" else chair_token(deadlines, code)
        response = client.put(
            f"{API}/followups/{code}", headers=bearer(token), json=followup_body(code, index)
        )
        assert response.status_code == 200, response.get_json()
    return deadlines


def test_the_tracker_shows_nine_of_ten_held_with_the_overdue_one_first(
    client, nine_held, officer, officer_token
):
    make_point(nine_held, MISSING, chair=("Đỗ Thị Hạnh", "+84915123456"))
    db.session.commit()
    tracker = client.get(f"{API}/followups?level=district", headers=bearer(officer_token))
    body = tracker.get_json()
    assert body["units_total"] == 10 and body["units_held"] == 9
    assert body["rows"][0]["unit_code"] == MISSING and body["rows"][0]["state"] == "overdue"
    states = {r["unit_code"]: r["state"] for r in body["rows"]}
    assert {c for c, s in states.items() if s == "held_late"} == set(LATE)
    reached = sum(18 + i % 3 for i, c in enumerate(DISTRICTS) if c != MISSING)
    assert body["branches_reached"] == reached and body["branches_total"] == 9 * 20
    assert body["branches_reached_percent"] == round(100 * reached / 180, 1)

    login(client, officer)
    page = client.get(f"/conferences/{SLUG}/followups").get_data(as_text=True)
    assert 'id="units-held">9/10<' in page
    rows = page.split("followup-tracker")[1]
    first = rows.split("<tbody>")[1].split("</tr>")[0]
    assert 'data-unit="363"' in first and "Quá hạn" in first
    assert "Đỗ Thị Hạnh" in first and 'href="tel:+84915123456"' in first
    assert 'href="tel:+84912000001"' in rows  # Mỹ Lộc's chair, from her own report
    after_first = rows.split("<tbody>")[1].split("</tr>", 1)[1]
    assert "Tổ chức muộn" in after_first and 'data-state="overdue"' not in after_first


def test_every_change_is_audited_and_marked_late_after_the_deadline(nine_held):
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "followup_conference")).all()
    assert len(events) == 9 and all(e.late for e in events)  # recorded in 2026
    assert {e.actor for e in events} >= {"chair:358", "officer:officer@hoiphunu.test"}
    deadline_events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity == "followup_deadline")
    ).all()
    assert deadline_events[0].after == {
        "province": "2022-05-30",
        "district": "2022-06-30",
        "commune": "2022-06-30",
    }


def test_a_chair_records_her_own_unit_and_communes_only_with_clear_errors(client, deadlines):
    token = chair_token(deadlines, "358")
    client.get(f"/c/{token}")
    mine = client.get(f"/conferences/{SLUG}/followups/mine").get_data(as_text=True)
    assert "Huyện Mỹ Lộc" in mine and "Thị trấn Mỹ Lộc" in mine and "Huyện Vụ Bản" not in mine
    form = f"/conferences/{SLUG}/followups/13708"
    response = client.post(form, data={"held_on": "2022-06-20", "officials": "mười", "members": "80"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Phải là số nguyên." in page and 'value="mười"' in page and 'value="80"' in page
    response = client.post(
        form,
        data={
            "held_on": "2022-06-20",
            "presenter": "",
            "branches_total": "12",
            "branches_reached": "15",
            "members": "80",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Số chi/tổ hội được quán triệt không được lớn hơn tổng số." in page
    assert "Hãy chọn hình thức tổ chức" in page and "Hãy ghi tên báo cáo viên." in page
    assert 'value="15"' in page and service.get_followup(deadlines, "13708") is None
    response = client.post(
        form,
        data={
            "held_on": "2022-06-20",
            "format": "in_person",
            "presenter": "Nguyễn Thị Mai",
            "officials": "10",
            "members": "80",
            "women": "40",
            "branches_total": "12",
            "branches_reached": "12",
        },
    )
    assert response.status_code == 303
    saved = service.get_followup(deadlines, "13708")
    assert saved.attendance == 130 and saved.format == "in_person"
    # Another district is not hers, on the page and through the API.
    assert client.get(f"/conferences/{SLUG}/followups/359").status_code == 403
    response = client.put(f"{API}/followups/359", headers=bearer(token), json={"planned_on": "2022-06-01"})
    assert response.status_code == 403
    # A stale version is refused instead of overwriting the newer report.
    response = client.put(
        f"{API}/followups/13708",
        headers=bearer(token),
        json={"planned_on": "2022-06-01", "version": saved.version - 1 or 99},
    )
    assert response.status_code == 409
    response = client.put(f"{API}/followups/13708", headers=bearer(token), json={"held_on": "30/6/2022"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["held_on"] == "Ngày không hợp lệ (ví dụ 2022-06-30)."


def test_reminders_are_queued_once_per_chair_per_reminder_and_delivered(client, demo, smtp):
    conference = demo
    today = local(utcnow(), conference.timezone).date()
    due = today + timedelta(days=7)
    officer = accounts.create_user("o@hoiphunu.test", "Cán bộ", "officer", "mat-khau-123")
    db.session.commit()
    token = accounts.create_api_token(officer.email).token
    db.session.commit()
    client.put(f"{API}/followup-deadlines", headers=bearer(token), json={"district": due.isoformat()})
    # Chairs known two ways: on the follow-up report, and as a chair contact of the point.
    response = client.put(
        f"{API}/followups/358",
        headers=bearer(token),
        json={
            "planned_on": due.isoformat(),
            "chair_name": "Trần Thị Bình",
            "chair_email": "binh@mylocs.example.vn",
        },
    )
    assert response.status_code == 200, response.get_json()
    point = make_point(conference, "359")
    point.contacts.append(Contact(role="chair", name="Lê Thị Cúc", email="cuc@vuban.example.vn"))
    point.contacts.append(Contact(role="chair", name="Phó Chủ tịch", email="pho@vuban.example.vn"))
    # Ý Yên already held hers: no reminder.
    response = client.put(
        f"{API}/followups/360",
        headers=bearer(token),
        json={
            "held_on": today.isoformat(),
            "format": "online",
            "presenter": "A",
            "chair_email": "yen@yyen.example.vn",
        },
    )
    assert response.status_code == 200, response.get_json()
    db.session.commit()

    def reminders() -> list[OutboxMessage]:
        return db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
        ).all()

    now = utcnow()
    for _ in range(3):  # the scheduler runs every 15 minutes: nothing doubles
        service.queue_reminders(now)
        db.session.commit()
    week = reminders()
    assert sorted(m.recipient for m in week) == [
        "binh@mylocs.example.vn",
        "cuc@vuban.example.vn",
        "pho@vuban.example.vn",
    ]
    # Six days before: still the week's reminder, already sent.
    service.queue_reminders(now + timedelta(days=1))
    db.session.commit()
    assert len(reminders()) == 3
    # The day before: the day's reminder, once each.
    for _ in range(2):
        service.queue_reminders(now + timedelta(days=6))
        db.session.commit()
    assert len(reminders()) == 6
    # After the deadline: nothing more.
    service.queue_reminders(now + timedelta(days=8))
    db.session.commit()
    assert len(reminders()) == 6

    report = mail.deliver_all()
    db.session.commit()
    assert report.sent == 6
    subjects = sorted({r.message["Subject"] for r in smtp.received})
    assert subjects == [
        "Nhắc hạn tổ chức hội nghị triển khai Nghị quyết: Huyện Mỹ Lộc – hạn "
        f"{due.day}/{due.month}/{due.year}",
        "Nhắc hạn tổ chức hội nghị triển khai Nghị quyết: Huyện Vụ Bản – hạn "
        f"{due.day}/{due.month}/{due.year}",
    ]
    bodies = [r.message.get_body(("plain",)).get_content() for r in smtp.received]
    assert sum("Còn một tuần nữa" in b for b in bodies) == 3
    assert sum("Ngày mai" in b for b in bodies) == 3
    assert not any("yen@yyen.example.vn" in r.recipients for r in smtp.received)


@pytest.fixture
def tw(app, monkeypatch):
    for server in serve(failures=1):
        monkeypatch.setitem(app.config, "TW_RETURN_URL", server.url)
        monkeypatch.setitem(app.config, "TW_RETURN_BACKOFF", 0.05)
        yield server


def test_the_consolidated_report_exports_freezes_and_submits_to_tw(
    client, nine_held, officer, officer_token, tw
):
    document = client.get(f"{API}/followup-report", headers=bearer(officer_token)).get_json()
    assert document["schema"] == "bridgeops.followup/v1"
    district = next(lv for lv in document["levels"] if lv["level"] == "district")
    assert (district["units_held"], district["units_total"]) == (9, 10)
    assert district["units_held_late"] == 3 and district["units_overdue"] == 1
    assert district["deadline"] == "2022-06-30"
    assert {lv["level"] for lv in document["levels"]} == {"province", "district", "commune"}

    table = list(
        csv.reader(
            io.StringIO(
                client.get(f"{API}/followup-report?format=csv", headers=bearer(officer_token)).data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    rows = {r[1]: r for r in table[1:] if r[0].isdigit()}
    assert rows["363"][4] == "Quá hạn" and rows["359"][4] == "Tổ chức muộn"
    assert rows["359"][6] == "4/7/2022"
    subtotal = next(r for r in table if r[2] == "Cộng cấp huyện")
    assert subtotal[4] == "9/10 đã tổ chức, hạn 30/6/2022"

    response = client.post(f"{API}/followup-report/snapshots", headers=bearer(officer_token))
    assert response.status_code == 201
    frozen = response.get_json()
    assert frozen["sha256"] == canonical.sha256_of({k: v for k, v in document.items() if k != "generated_at"})

    response = client.post(
        f"{API}/followup-report/snapshots/{frozen['id']}/submit", headers=bearer(officer_token)
    )
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["accepted"] and [a["status_code"] for a in answer["attempts"]] == [503, 201]
    assert {r["key"] for r in tw.requests} == {frozen["sha256"]}
    sent = json.loads(tw.requests[-1]["body"])
    assert sent["schema"] == "bridgeops.followup/v1" and sent["sha256"] == frozen["sha256"]

    # The officer's pages: the snapshot says TW took it; its Excel and print hold the figures.
    login(client, officer)
    page = client.get(f"/conferences/{SLUG}/followup-report/snapshots/{frozen['id']}")
    assert "Trung ương đã nhận" in page.get_data(as_text=True)
    xlsx = client.get(f"/conferences/{SLUG}/followup-report/snapshots/{frozen['id']}/file.xlsx")
    cells = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows()]
    assert any(r[2] == "Cộng cấp huyện" and r[4].startswith("9/10") for r in cells if r)
    printed = client.get(f"/conferences/{SLUG}/followup-report/print").get_data(as_text=True)
    assert "9/10 đã tổ chức" in printed and "Huyện Trực Ninh" in printed
    # The headcount return's snapshot list is not mixed with this report.
    listed = client.get(f"{API}/return/snapshots", headers=bearer(officer_token)).get_json()
    assert listed["total"] == 0


def test_the_cli_exports_and_submits_the_report(runner, nine_held, tw, tmp_path):
    target = tmp_path / "bao-cao.csv"
    result = runner.invoke(
        args=["followup", "export", "--conference", SLUG, "--format", "csv", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "9/10 đã tổ chức" in target.read_bytes().decode("utf-8-sig")
    result = runner.invoke(args=["followup", "submit", "--conference", SLUG])
    assert result.exit_code == 0, result.output
    assert "Trung ương đã nhận" in result.output
    assert json.loads(tw.requests[-1]["body"])["schema"] == "bridgeops.followup/v1"


def test_the_officer_sets_deadlines_freezes_and_submits_from_the_pages(client, nine_held, officer, tw):
    login(client, officer)
    tracker_page = f"/conferences/{SLUG}/followups"
    response = client.post(f"{tracker_page}/deadlines", data={"district": "30/6/2022"})
    assert response.status_code == 422
    assert "Ngày không hợp lệ (ví dụ 2022-06-30)." in response.get_data(as_text=True)
    response = client.post(
        f"{tracker_page}/deadlines",
        data={"province": "2022-05-30", "district": "2022-07-15", "commune": "2022-06-30"},
    )
    assert response.status_code == 303
    page = client.get(tracker_page).get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "15/7/2022" in page and "Tổ chức muộn" not in rows  # every late one is now on time
    response = client.post(f"/conferences/{SLUG}/followup-report/snapshots")
    assert response.status_code == 303
    snapshot_page = response.headers["Location"]
    assert "Cấp huyện đã tổ chức" in client.get(snapshot_page).get_data(as_text=True)
    response = client.post(f"{snapshot_page}/submit")
    assert response.status_code == 303
    assert "Trung ương đã nhận báo cáo." in client.get(snapshot_page).get_data(as_text=True)
