"""Delegate categories after creation: renamed, re-levelled, added and removed, from the edit
page and the API; what points have already counted is not taken away."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from bridgeops.audit.models import AuditEvent
from bridgeops.conference import service
from bridgeops.extensions import db
from bridgeops.returns import service as returns
from tests.conftest import bearer
from tests.factories import make_point, set_counts, set_status
from tests.registration.helpers import MY_LOC

PAGE = "/conferences/namdinh-2022/edit"


def _login(client, officer) -> None:
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})


def _rows(page: str) -> dict[str, str]:
    """The edit form's fields as shown: name → value (checked boxes as "levels" lists)."""
    return dict(re.findall(r'name="(categories-\d+-(?:code|label))" value="([^"]*)"', page))


def _form(client) -> dict:
    page = client.get(PAGE).get_data(as_text=True)
    form: dict = {"category_rows": re.search(r'name="category_rows" value="(\d+)"', page)[1]}
    form.update(_rows(page))
    for name, level in re.findall(r'name="(categories-\d+-levels)" value="(\w+)" checked', page):
        form.setdefault(name, []).append(level)
    form.update({name: "1" for name in re.findall(r'name="(categories-\d+-kept)"', page)})
    return form


def _codes(slug: str = "namdinh-2022") -> list[tuple[str, str, list[str]]]:
    db.session.expire_all()
    return [(c.code, c.label, c.levels) for c in service.get_conference(slug).categories]


def test_the_officer_renames_adds_and_removes_categories_on_the_edit_page(client, demo, officer):
    _login(client, officer)
    assert len(returns.current_document(demo)["categories"]) == 6  # cached before the change
    form = _form(client)
    assert form["categories-0-code"] == "bch_tinh" and form["category_rows"] == "9"  # six and three blank
    form["categories-5-label"] = "Chi hội trưởng phụ nữ"  # chi_hoi_truong, renamed
    form["categories-1-remove"] = "1"  # chuyen_trach_tinh: nobody counted it
    form.update(
        {
            "categories-6-code": "khach_moi",
            "categories-6-label": "Khách mời",
            "categories-6-levels": ["district"],
        }
    )
    saved = client.post("/conferences/namdinh-2022/categories", data=form)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/edit#thanh-phan")
    codes = _codes()
    assert [c for c, _label, _levels in codes] == [
        "bch_tinh",
        "chu_tich_truc_thuoc",
        "bch",
        "chuyen_trach",
        "chi_hoi_truong",
        "khach_moi",
    ]
    assert codes[4][1] == "Chi hội trưởng phụ nữ" and codes[5] == ("khach_moi", "Khách mời", ["district"])
    # The return shows the new columns at once (its cache is keyed by the categories).
    columns = [c["label"] for c in returns.current_document(demo)["categories"]]
    assert "Khách mời" in columns and "Chi hội trưởng phụ nữ" in columns
    assert "Cán bộ chuyên trách Hội cấp tỉnh" not in columns
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "categories"))
    assert len(audit.before["categories"]) == 6 and len(audit.after["categories"]) == 6
    again = client.post("/conferences/namdinh-2022/categories", data=_form(client))
    assert again.status_code == 303
    assert "Không có thay đổi nào." in client.get(PAGE).get_data(as_text=True)


def test_a_counted_category_is_kept_until_its_counts_are_zero(client, demo, officer):
    point = make_point(demo, MY_LOC, counts={"bch": 12, "chuyen_trach": 0, "chi_hoi_truong": 3})
    _login(client, officer)
    form = _form(client)
    form["categories-3-remove"] = "1"  # bch: Mỹ Lộc counted 12
    form["categories-5-levels"] = ["commune"]  # chi_hoi_truong no longer at district level
    form["categories-4-remove"] = "1"  # chuyen_trach: counted 0, may go
    form["categories-0-label"] = "Đổi tên nhưng chưa lưu"
    refused = client.post("/conferences/namdinh-2022/categories", data=form)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert 'Không bỏ được thành phần "Ủy viên BCH Hội LHPN huyện' in page
    assert "1 điểm cầu cấp huyện đã ghi số đại biểu" in page
    assert re.search(r'id="thanh-phan-5">.*?ở cấp này: 1 điểm cầu cấp huyện', page, re.S)  # next to its row
    assert 'value="Đổi tên nhưng chưa lưu"' in page  # what was typed is shown again
    assert len(_codes()) == 6 and _codes()[0][1] == "Ủy viên BCH Hội LHPN tỉnh khóa XVII"  # nothing saved

    set_counts(point, {"bch": 0, "chuyen_trach": 0, "chi_hoi_truong": 0})
    db.session.commit()
    assert client.post("/conferences/namdinh-2022/categories", data=form).status_code == 303
    assert [c for c, _l, _v in _codes()] == [
        "bch_tinh",
        "chuyen_trach_tinh",
        "chu_tich_truc_thuoc",
        "chi_hoi_truong",
    ]
    assert _codes()[3][2] == ["commune"]


def test_a_withdrawn_points_counts_do_not_hold_a_category(client, demo, officer_token):
    point = make_point(demo, MY_LOC, counts={"bch": 12})
    set_status(point, "withdrawn")
    db.session.commit()
    wanted = [{"code": c, "label": label, "levels": levels} for c, label, levels in _codes() if c != "bch"]
    response = client.patch(
        "/api/v1/conferences/namdinh-2022", headers=bearer(officer_token), json={"categories": wanted}
    )
    assert response.status_code == 200, response.get_json()
    assert [c["code"] for c in response.get_json()["categories"]] == [c["code"] for c in wanted]


def test_the_api_changes_categories_and_refuses_in_problem_json(client, demo, officer_token):
    make_point(demo, MY_LOC, counts={"bch": 4})
    db.session.commit()
    current = [{"code": c, "label": label, "levels": levels} for c, label, levels in _codes()]
    for body, field in (
        ({"categories": []}, "categories"),
        ({"categories": [*current, current[0]]}, "categories"),  # one code twice
        ({"categories": [{**current[0], "levels": []}]}, "categories.0.levels"),
        ({"categories": current[:3]}, "categories"),  # bch was counted
    ):
        refused = client.patch("/api/v1/conferences/namdinh-2022", headers=bearer(officer_token), json=body)
        assert refused.status_code == 422, body
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert field in refused.get_json()["errors"], refused.get_json()
    assert len(_codes()) == 6
    current[3]["label"] = "Ủy viên Ban Chấp hành"
    ok = client.patch(
        "/api/v1/conferences/namdinh-2022",
        headers=bearer(officer_token),
        json={"categories": [current[3], *current[:3], *current[4:]], "contact_name": "Chị Hoa"},
    )
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["categories"][0] == {
        "code": "bch",
        "label": "Ủy viên Ban Chấp hành",
        "levels": ["district", "commune"],
    }
    assert body["contact_name"] == "Chị Hoa"


def test_an_archived_conferences_categories_stay(client, demo, officer_token):
    service.archive_conference(demo, actor="test")
    db.session.commit()
    refused = client.patch(
        "/api/v1/conferences/namdinh-2022",
        headers=bearer(officer_token),
        json={"categories": [{"code": "x", "label": "X", "levels": ["district"]}]},
    )
    assert refused.status_code == 409
    assert len(_codes()) == 6


def test_a_mangled_category_form_is_a_vietnamese_422_not_a_500(client, demo, officer):
    _login(client, officer)
    response = client.post("/conferences/namdinh-2022/categories", data={"category_rows": "abc"})
    assert response.status_code == 422
    assert "Quá ít (tối thiểu 1)." in response.get_data(as_text=True)
    assert len(_codes()) == 6
