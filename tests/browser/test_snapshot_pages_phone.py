"""The officer's snapshot, diff and paged pages on a phone: they read without sideways
scrolling, and their forms (CSRF on) still go through."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bridgeops.demo import DEMO_SLUG
from bridgeops.extensions import db
from tests.browser_support import has_horizontal_scroll


def test_snapshot_pages_read_well_on_a_phone_and_their_forms_go_through(
    app, phone, officer, demo, login, screenshot, console_errors
):
    from bridgeops.attendance import service as attendance
    from bridgeops.followup import service as followup
    from bridgeops.returns import service as returns

    app.config["TW_RETURN_URL"] = "http://127.0.0.1:9/return"  # shows the 'send' form
    try:
        session = next(s for s in demo.sessions if s.kind == "session")
        older = returns.freeze(demo, "cli")
        followup_snapshot = followup.freeze(demo, "cli")
        attendance_snapshot = attendance.freeze(demo, session, "cli")
        db.session.commit()

        login(phone, officer)
        phone.on("dialog", lambda dialog: dialog.accept())
        phone.goto(f"/conferences/{DEMO_SLUG}/return/snapshots")
        phone.get_by_role("button", name="Chốt số liệu hiện tại").click()
        expect(phone).to_have_url(re.compile(r"/return/snapshots/\d+$"))
        assert not phone.url.endswith(f"/snapshots/{older.id}")  # a new one, frozen by the form
        newer = phone.url

        base = f"/conferences/{DEMO_SLUG}"
        pages = [
            (newer, "Bản chốt số", "return-snapshot"),
            (f"{newer}/diff?against={older.id}", "Thay đổi từ bản chốt", "return-diff"),
            (f"{base}/followup-report/snapshots/{followup_snapshot.id}", "bản chốt số", "followup-snapshot"),
            (f"{base}/attendance/snapshots/{attendance_snapshot.id}", "bản chốt số", "attendance-snapshot"),
            (f"{base}/followup-report/snapshots/{followup_snapshot.id}/print", "Quay lại", None),
            (f"{base}/board/problems", "Điểm cầu đang có sự cố", "problems"),
            ("/", "Hội nghị", None),
        ]
        for path, text, name in pages:
            response = phone.goto(path)
            assert response.status == 200, path
            assert phone.get_by_text(text).first.is_visible(), (path, text)
            if name:
                screenshot(phone, f"page-{name}-phone")
            assert not has_horizontal_scroll(phone), f"{path} scrolls sideways on a phone"

        # The shared submission card's form carries its CSRF field: sending is refused by the
        # (unreachable) centre, not by a missing token.
        phone.goto(newer)
        phone.get_by_role("button", name="Gửi về Trung ương").click()
        phone.wait_for_load_state()
        assert "Phiên làm việc đã hết hạn" not in phone.content()
        assert phone.get_by_text("Các lần gửi về Trung ương").is_visible()
        assert console_errors == [], console_errors
    finally:
        app.config.pop("TW_RETURN_URL")
