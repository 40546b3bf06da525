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
