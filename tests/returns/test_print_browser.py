"""The officer's way through the return in a real Chromium: dashboard on a phone, print to A4."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium"),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
A4_LANDSCAPE_POINTS = (842, 595)


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_officer_sees_who_is_missing_on_a_phone_and_prints_the_return_to_a4(
    live_url, browser_page, nam_dinh, officer
):
    page = browser_page
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", officer.email)
    page.fill("input[name=password]", "mat-khau-123")
    page.click("button[type=submit]")
    page.goto(f"{live_url}/conferences/namdinh-2022/return")
    chasing = page.locator("#chasing")
    assert chasing.locator("text=Huyện Vụ Bản").count() == 1
    assert chasing.locator('a[href="tel:+84987654321"]').is_visible()
    # Phone-first: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_url}/conferences/namdinh-2022/return/print")
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {
        tuple(round(float(v)) for v in box.split()[2:])
        for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)
        for box in [box.decode()]
    }
    assert boxes == {A4_LANDSCAPE_POINTS}
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1040, "height": 700})  # A4 landscape less the margins
    assert page.locator(".toolbar").is_hidden()
    table_width = page.evaluate("document.querySelector('table.return').scrollWidth")
    assert table_width <= 1040
