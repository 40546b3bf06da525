"""An officer sets up a new conference from nothing in the wizard, on a laptop screen.

She first mistypes the opening day's end (before its start): the page says why next to the field
and keeps everything she typed; she corrects the one field and the conference appears on her home
page with its next step. The whole set-up takes a couple of dozen entries, well under five minutes.
"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from bridgeops.conference import service
from tests.browser_support import has_horizontal_scroll


def test_officer_sets_up_a_conference_in_the_wizard(
    desktop, demo, officer, login, screenshot, console_errors
):
    started = time.monotonic()
    login(desktop, officer)
    desktop.get_by_role("link", name="Tạo hội nghị mới").click()
    expect(desktop.get_by_role("heading", name="Tạo hội nghị mới")).to_be_visible()
    assert not has_horizontal_scroll(desktop)

    desktop.get_by_label("Tên hội nghị").fill("Hội nghị sơ kết công tác Hội năm 2027")
    desktop.get_by_label("Mã hội nghị (dùng trong đường dẫn)").fill("soket-2027")
    desktop.get_by_label("Đơn vị tổ chức (Trung ương)").fill("Đoàn Chủ tịch TW Hội LHPN Việt Nam")
    desktop.get_by_label("Đơn vị chủ trì", exact=True).select_option(label="Tỉnh Nam Định (cả tỉnh)")
    desktop.get_by_label("Tên đơn vị chủ trì (in trên báo cáo)").fill("Hội LHPN tỉnh Nam Định")
    desktop.get_by_label("Họ tên / bộ phận").fill("Ban Tuyên giáo – CSLP")
    desktop.get_by_label("Email").fill("tuyengiao@hoiphunu.example.vn")
    desktop.get_by_label("Điện thoại").fill("0228 3849 123")
    desktop.locator("#sessions-0-starts_at").fill("2027-06-01T08:30")
    desktop.locator("#sessions-0-ends_at").fill("2027-06-01T11:30")
    desktop.locator("#sessions-1-starts_at").fill("2027-06-02T08:00")
    desktop.locator("#sessions-1-ends_at").fill("2027-06-02T07:00")  # the slip
    desktop.get_by_label("Hạn đăng ký điểm cầu").fill("2027-05-28T17:00")
    desktop.get_by_role("button", name="Tạo hội nghị").click()

    expect(desktop.locator("#phien-1")).to_contain_text("Giờ kết thúc phải sau giờ bắt đầu.")
    expect(desktop.get_by_label("Tên hội nghị")).to_have_value("Hội nghị sơ kết công tác Hội năm 2027")
    expect(desktop.get_by_label("Đơn vị chủ trì", exact=True)).to_have_value("36")
    expect(desktop.locator("#sessions-0-ends_at")).to_have_value("2027-06-01T11:30")
    expect(desktop.get_by_label("Hạn đăng ký điểm cầu")).to_have_value("2027-05-28T17:00")
    screenshot(desktop, "conference-wizard-refused-desktop")
    assert len(service.list_conferences()) == 1

    desktop.locator("#sessions-1-ends_at").fill("2027-06-02T17:00")
    desktop.get_by_role("button", name="Tạo hội nghị").click()

    card = desktop.locator('[data-slug="soket-2027"]')
    expect(card).to_contain_text("Hội nghị sơ kết công tác Hội năm 2027")
    expect(card).to_contain_text("Cấp đường dẫn cho chủ tịch các đơn vị")
    expect(card).to_contain_text("0/10 đơn vị đã đăng ký")
    screenshot(desktop, "conference-wizard-created-desktop")
    conference = service.get_conference("soket-2027")
    assert [s.kind for s in conference.sessions] == ["rehearsal", "session"]
    assert len(conference.categories) == 6
    assert time.monotonic() - started < 300
    # The refused form is answered with 422, which Chromium logs; nothing else may appear.
    assert [e for e in console_errors if "status of 422" not in e] == []
