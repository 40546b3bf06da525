"""The technician's keep-alive page beats from the browser while it is open (no Python needed)."""

from __future__ import annotations

from playwright.sync_api import expect

from bridgeops.extensions import db
from bridgeops.health.models import PointHealth
from bridgeops.registration import service
from tests.browser_support import has_horizontal_scroll


def test_the_keep_alive_page_sends_heartbeats_while_open(phone, demo, magic_link, screenshot, console_errors):
    point = service.point_for_unit(demo, demo.host_unit_code)
    phone.goto(magic_link("technician", point_id=point.id))
    phone.get_by_role("link", name="Mở trang giữ kết nối trong buổi họp").click()
    status = phone.locator("#heartbeat-status")
    expect(status).to_have_attribute("data-beats", "1")
    expect(status).to_contain_text("Đang giữ kết nối: đã gửi 1 tín hiệu")
    db.session.expire_all()
    assert db.session.get(PointHealth, point.id).last_seen_at is not None
    screenshot(phone, "technician-keep-alive-phone")
    assert not has_horizontal_scroll(phone)
    assert console_errors == []
