"""On a 390 px phone in real Chromium: a technician reports attendance from her link page, a
chair records her district's follow-up conference, the officer reads the tracker."""

from __future__ import annotations

import pytest

from bridgeops.extensions import db
from bridgeops.followup import service
from tests.attendance.test_attendance import move_sessions_to_now
from tests.browser_support import has_horizontal_scroll
from tests.factories import make_point

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_technician_reports_and_chair_records_her_followup_on_a_phone(
    phone, magic_link, csrf_on, demo, officer, login, desktop, console_errors, screenshot
):
    point = make_point(
        demo, "358", status="confirmed", counts={"bch": 25, "chuyen_trach": 6, "chi_hoi_truong": 30}
    )
    db.session.commit()
    move_sessions_to_now(demo)

    page = phone
    page.goto(magic_link("technician", point_id=point.id))
    page.get_by_role("link", name="Báo cáo số người có mặt").click()
    page.fill("#count_bch", "23")
    page.fill("#count_chuyen_trach", "6")
    page.fill("#count_chi_hoi_truong", "28")
    assert not has_horizontal_scroll(page)
    screenshot(page, "attendance-form-phone")
    page.get_by_role("button", name="Gửi số người có mặt").click()
    page.wait_for_selector("text=Đã lưu số người có mặt")

    page.goto(magic_link("chair", unit_code="358"))
    page.get_by_role("link", name="Hội nghị triển khai").click()
    page.locator("tr", has_text="Huyện Mỹ Lộc").get_by_role("link").click()
    page.fill("#held_on", "2022-06-20")
    page.check("input[name=format][value=in_person]")
    page.fill("#presenter", "Nguyễn Thị Mai")
    page.fill("#officials", "30")
    page.fill("#members", "210")
    page.fill("#women", "60")
    page.fill("#branches_total", "17")
    page.fill("#branches_reached", "17")
    page.fill("#chair_phone", "0912 345 678")
    assert not has_horizontal_scroll(page)
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_selector("text=Đã lưu hội nghị triển khai của Huyện Mỹ Lộc")
    assert not has_horizontal_scroll(page)
    saved = service.get_followup(demo, "358")
    db.session.refresh(saved)
    assert saved.attendance == 300 and saved.chair_phone == "+84912345678"

    login(desktop, officer)
    desktop.goto(f"/conferences/{demo.slug}/attendance")
    assert "57" in desktop.locator(".stats").inner_text()
    desktop.goto(f"/conferences/{demo.slug}/followups")
    assert desktop.locator("#units-held").inner_text() == "1/10"
    page.goto(f"/conferences/{demo.slug}/followups/358")
    screenshot(page, "followup-form-phone")
    assert not console_errors
