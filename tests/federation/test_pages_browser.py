"""TW's federation pages in a real Chromium on a phone (390 px)."""

from __future__ import annotations

import pytest

from bridgeops.extensions import db
from bridgeops.returns import service as returns
from tests.browser_support import has_horizontal_scroll
from tests.factories import make_point
from tests.federation.conftest import NATIONAL_SLUG, headers, register, submit_url

pytestmark = pytest.mark.browser


def test_tw_officer_reads_the_national_rollup_and_a_provinces_diff_on_a_phone(
    phone,
    officer,
    login,
    screenshot,
    console_errors,
    client,
    runner,
    demo,
    national,
    nam_dinh_token,
    nam_dinh_return,
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
    client.post(
        submit_url(),
        data=returns.submission_body(nam_dinh_return),
        headers=headers(nam_dinh_token, nam_dinh_return.sha256),
    )
    make_point(demo, "359", status="confirmed", counts={"bch": 21})
    newer = returns.freeze(demo, "officer:test")
    db.session.commit()
    client.post(
        submit_url(), data=returns.submission_body(newer), headers=headers(nam_dinh_token, newer.sha256)
    )

    login(phone, officer)
    phone.goto(f"/federation/conferences/{NATIONAL_SLUG}")
    call = phone.get_by_role("link", name="Gọi Hà Thị Lan: 0987 654 321")
    assert call.is_visible() and call.get_attribute("href") == "tel:+84987654321"
    assert phone.get_by_text("Tỉnh đã gửi báo cáo").is_visible()
    screenshot(phone, "federation-rollup-phone")
    assert not has_horizontal_scroll(phone)

    phone.get_by_role("link", name="Tỉnh Nam Định").click()
    assert phone.get_by_role("heading", name="Báo cáo của Tỉnh Nam Định").is_visible()
    assert phone.get_by_text("Huyện Vụ Bản").is_visible()
    screenshot(phone, "federation-province-phone")
    assert not has_horizontal_scroll(phone)
    assert console_errors == []


def test_tw_admin_issues_and_revokes_a_provinces_credential_on_a_phone(
    phone, login, screenshot, console_errors, demo, national
):
    from bridgeops.accounts import service as accounts
    from bridgeops.federation import service

    admin = accounts.create_user("admin@hoiphunu.test", "Quản Trị Viên", "admin", "mat-khau-quan-tri-123")
    db.session.commit()
    login(phone, admin, "mat-khau-quan-tri-123")
    phone.goto(f"/federation/conferences/{NATIONAL_SLUG}")
    phone.get_by_role("link", name="Cấp hoặc thu hồi mã gửi báo cáo của các tỉnh").click()
    phone.get_by_label("Mã tỉnh (mã đơn vị hành chính)").fill("36")
    phone.get_by_label("Cán bộ đầu mối của tỉnh").fill("Nguyễn Thị Đầu Mối")
    phone.get_by_label("Điện thoại đầu mối").fill("0912 345 678")
    phone.get_by_role("button", name="Cấp mã").click()
    token = phone.get_by_label("Mã gửi báo cáo của Tỉnh Nam Định").input_value()
    assert service.live_province(token) is not None
    assert phone.get_by_text(f"BRIDGEOPS_TW_RETURN_TOKEN={token}").is_visible()
    screenshot(phone, "federation-provinces-phone")
    assert not has_horizontal_scroll(phone)

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Thu hồi mã").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("Đã thu hồi mã gửi báo cáo của Tỉnh Nam Định").is_visible()
    assert service.live_province(token) is None
    assert console_errors == []
