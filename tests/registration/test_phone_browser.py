"""A chair on a phone-sized Chromium registers her district point and three communes."""

from __future__ import annotations

import time

import pytest

from tests.factories import chair_token
from tests.registration.helpers import MY_LOC

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    yield context.new_page()
    context.close()


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _fill_point(page, delegates: tuple[int, int, int], technician: str) -> None:
    page.fill("#venue", "Hội trường UBND")
    page.fill("#capacity", "80")
    for code, value in zip(("bch", "chuyen_trach", "chi_hoi_truong"), delegates, strict=True):
        page.fill(f"#count_{code}", str(value))
    page.fill("#technician_0_name", technician)
    page.fill("#technician_0_phone", "0912 345 678")
    page.fill("#technician_0_email", "kythuat@example.vn")
    assert _fits_the_screen(page)
    page.click("button.primary:has-text('Lưu')")
    page.wait_for_selector("text=Đường dẫn chỉ hiển thị")
    assert "/t/" in page.input_value("input.link-once")


def test_chair_registers_four_points_on_a_phone(live_url, csrf_on, phone, demo):
    started = time.monotonic()
    page = phone
    page.goto(f"{live_url}/c/{chair_token(demo, MY_LOC)}")
    assert page.locator("h1").inner_text() == "Điểm cầu Huyện Mỹ Lộc"
    assert _fits_the_screen(page)

    page.click("text=+ Đăng ký điểm cầu")
    page.click("a.button:has-text('Huyện Mỹ Lộc')")
    _fill_point(page, (10, 3, 0), "Kỹ thuật huyện")

    for search in ("my tien", "my ha", "my thang"):
        page.click("text=Về danh sách điểm cầu")
        page.click("text=+ Đăng ký điểm cầu")
        page.fill("#q", search)  # typed without diacritics, submitted as a plain GET form
        page.press("#q", "Enter")
        page.wait_for_url(f"**q={search.replace(' ', '+')}*")
        choices = page.locator("#unit-choices a")
        assert choices.count() >= 1
        choices.first.click()
        _fill_point(page, (5, 1, 8), f"Kỹ thuật {search}")

    page.click("text=Về danh sách điểm cầu")
    # "Lưu và xác nhận" saved and confirmed each point: 4 of the district's 12 units are done.
    assert page.get_by_text(f"Đã xong 4/12 đơn vị · {13 + 3 * 14} đại biểu").is_visible()
    elapsed = time.monotonic() - started
    print(f"\nchair registered 4 points on a phone-sized browser in {elapsed:.1f} s")
    assert elapsed < 120
