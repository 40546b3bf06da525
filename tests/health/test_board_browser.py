"""The contact officer's view in a real Chromium, on a laptop and on a phone: the board shows
what is wrong at a glance and updates itself when a point drops, without a reload."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

from bridgeops.extensions import db
from tests.factories import make_point
from tests.health.conftest import DISTRICT, PROVINCE, communes_of, move_window_to_now, state_of, sweep

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.environ.get("BRIDGEOPS_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium missing: scripts/test installs it"),
]


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}], ids=["laptop", "phone"]
)
def test_officer_sees_a_dropped_district_appear_without_reloading(
    app, demo, officer, live_url, browser, viewport, http_peer, tcp_peer_factory, monkeypatch
):
    monkeypatch.setitem(app.config, "PROBE_FAILURES", 1)
    move_window_to_now(demo)
    make_point(demo, PROVINCE, target=http_peer)
    peer = tcp_peer_factory()
    district = make_point(
        demo, DISTRICT, target=peer.target, technicians=(("Trần Thị Kỹ", "+84912000111", ""),)
    )
    for code in communes_of(DISTRICT, 5):
        make_point(demo, code, target=http_peer)
    db.session.commit()
    sweep(app)

    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_url}/login?next=/conferences/{demo.slug}/board")
    page.fill("input[name=email]", officer.email)
    page.fill("input[name=password]", "mat-khau-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/conferences/{demo.slug}/board")
    headline = page.locator(".stat.headline .value")
    assert headline.inner_text() == "7 / 7"
    assert "Không có điểm cầu nào mất kết nối" in page.inner_text("#board-live")
    page.evaluate("window.__sameDocument = true")

    peer.stop()
    sweep(app)
    assert state_of(district) == "down"
    expect(headline).to_have_text("6 / 7", timeout=15000)
    assert page.evaluate("window.__sameDocument") is True  # refreshed in place, no reload
    row = page.locator(f"tr[data-point-id='{district.id}']")
    assert row.is_visible()
    assert "Mất kết nối" in row.inner_text()
    assert row.locator("a[href='tel:+84912000111']").is_visible()
    if viewport["width"] < 640:
        # On a phone a problem is a compact card (name and state, reason and time, the call
        # button), not five labelled lines: a national board lists a hundred of them.
        assert row.bounding_box()["height"] < 160
        assert (
            row.locator("td").nth(3).bounding_box()["y"]
            < row.locator("a[href='tel:+84912000111']").bounding_box()["y"]
        )
    assert page.locator(".tree svg circle[data-state='down']").count() == 1
    no_overflow = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
    assert no_overflow
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"board-{viewport['width']}.png"), full_page=True)
    assert errors == []
