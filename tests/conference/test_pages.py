"""The officer's set-up wizard, edit page and schedule page (test client; the browser journey is
in tests/browser/test_conference_wizard.py)."""

from __future__ import annotations

from bridgeops.conference import service
from tests.conference.test_many import _wizard_form


def _login(client, officer) -> None:
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})


def test_the_wizard_starts_with_the_plans_categories(client, demo, officer):
    _login(client, officer)
    page = client.get("/conferences/new").get_data(as_text=True)
    assert 'value="Chi trưởng chi hội phụ nữ"' in page
    assert "Tỉnh Nam Định (cả tỉnh)" in page and "Huyện Mỹ Lộc, Tỉnh Nam Định" in page


def test_a_refused_wizard_keeps_everything_typed_and_says_why_in_vietnamese(client, demo, officer):
    _login(client, officer)
    form = {
        **_wizard_form("namdinh-2022"),
        "sessions-1-ends_at": "2027-05-13T07:00",
        "categories-1-code": "khach_moi",
        "categories-1-label": "Khách mời",
    }
    response = client.post("/conferences/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Giờ kết thúc phải sau giờ bắt đầu." in page
    assert "ít nhất một cấp" in page  # the category typed without a level
    for typed in (
        "Hội nghị tập huấn kỹ thuật điểm cầu năm 2027",
        "lan@hoiphunu.example.vn",
        "2027-05-13T07:00",
        "Khách mời",
        "2027-05-10T17:00",
    ):
        assert typed in page
    assert len(service.list_conferences()) == 1
    form = {**_wizard_form("namdinh-2022")}
    taken = client.post("/conferences/new", data=form)
    assert taken.status_code == 409
    assert "Mã này đã được dùng cho một hội nghị khác." in taken.get_data(as_text=True)


def test_the_wizard_creates_the_conference_in_its_timezone(client, demo, officer):
    _login(client, officer)
    response = client.post("/conferences/new", data=_wizard_form("taphuan-2027"))
    assert response.status_code == 303
    conference = service.get_conference("taphuan-2027")
    assert conference.sessions[0].starts_at.isoformat() == "2027-05-12T01:30:00+00:00"
    assert conference.registration_closes_at.isoformat() == "2027-05-10T10:00:00+00:00"
    assert [(c.code, c.levels) for c in conference.categories] == [
        ("can_bo_ky_thuat", ["province", "district", "commune"])
    ]
    assert conference.contact_phone == "+84912000111"
    home = client.get("/").get_data(as_text=True)
    assert 'data-slug="taphuan-2027"' in home and "Cấp đường dẫn cho chủ tịch các đơn vị" in home


def test_the_edit_page_changes_the_deadline_and_archives(client, demo, officer):
    _login(client, officer)
    assert "Thông tin hội nghị" in client.get("/conferences/namdinh-2022/edit").get_data(as_text=True)
    bad = client.post(
        "/conferences/namdinh-2022/edit",
        data={"title": "", "contact_email": "sai", "registration_closes_at": "2022-04-20T17:00"},
    )
    assert bad.status_code == 422
    assert "Email không hợp lệ" in bad.get_data(as_text=True)
    assert 'value="2022-04-20T17:00"' in bad.get_data(as_text=True)
    ok = client.post(
        "/conferences/namdinh-2022/edit",
        data={
            "title": demo.title,
            "organizer": demo.organizer,
            "host_name": demo.host_name,
            "registration_closes_at": "2022-04-20T17:00",
            "contact_name": "Chị Lan",
            "contact_email": "lan@hoiphunu.example.vn",
            "contact_phone": "",
        },
    )
    assert ok.status_code == 303
    assert service.get_conference("namdinh-2022").registration_closes_at.hour == 10
    assert client.post("/conferences/namdinh-2022/archive").status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Đã lưu trữ" in home
    refused = client.post("/conferences/namdinh-2022/edit", data={"title": "Khác"})
    assert refused.status_code == 409 and "lưu trữ" in refused.get_data(as_text=True)


def test_the_schedule_page_adds_a_session(client, demo, officer):
    _login(client, officer)
    bad = client.post(
        "/conferences/namdinh-2022/sessions",
        data={
            "kind": "session",
            "title": "Ngày thứ tư",
            "starts_at": "2022-04-30T08:00",
            "ends_at": "2022-04-30T07:00",
        },
    )
    assert bad.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu." in bad.get_data(as_text=True)
    assert 'value="Ngày thứ tư"' in bad.get_data(as_text=True)
    ok = client.post(
        "/conferences/namdinh-2022/sessions",
        data={
            "kind": "session",
            "title": "Ngày thứ tư",
            "starts_at": "2022-04-30T08:00",
            "ends_at": "2022-04-30T11:00",
        },
    )
    assert ok.status_code == 303
    assert [s.title for s in service.get_conference("namdinh-2022").sessions][-1] == "Ngày thứ tư"


def test_pages_need_an_officer(client, demo):
    for path in ("/conferences/new", "/conferences/namdinh-2022/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
