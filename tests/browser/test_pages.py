"""The pages that exist for everyone: login and home, on a phone and on a desktop."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser_support import has_horizontal_scroll


def test_wrong_password_shows_the_vietnamese_message_next_to_the_field(phone, officer, login, screenshot):
    login(phone, officer, password="sai-mat-khau")
    field = phone.locator(".field.has-error")
    assert field.locator("input").get_attribute("name") == "password"
    assert field.locator(".error").inner_text() == "Email hoặc mật khẩu không đúng."
    screenshot(phone, "login-wrong-password-phone")


def test_officer_with_the_right_password_lands_on_home(
    desktop, officer, demo, login, screenshot, console_errors
):
    login(desktop, officer)
    assert urlsplit(desktop.url).path == "/"
    assert desktop.get_by_role("heading", name="Hội nghị", exact=True).is_visible()
    assert desktop.get_by_text("Xin chào Cán bộ Đầu mối.").is_visible()
    assert desktop.get_by_text(demo.title).is_visible()
    screenshot(desktop, "home-officer-desktop")
    assert console_errors == []


def test_home_fits_a_phone_without_horizontal_scroll(phone, officer, demo, login, screenshot, console_errors):
    phone.goto("/")
    screenshot(phone, "home-anonymous-phone")
    assert not has_horizontal_scroll(phone)
    login(phone, officer)
    assert phone.get_by_text(demo.title).is_visible()
    screenshot(phone, "home-officer-phone")
    assert not has_horizontal_scroll(phone)
    assert console_errors == []


def test_pages_raise_no_csp_violation_or_script_error(desktop, officer, login, console_errors):
    for path in ("/", "/login", "/healthz"):
        desktop.goto(path)
        desktop.wait_for_load_state("networkidle")
    login(desktop, officer)
    desktop.wait_for_load_state("networkidle")
    assert console_errors == [], console_errors


def test_an_unknown_page_is_a_vietnamese_404_without_script_errors(phone, console_errors, screenshot):
    response = phone.goto("/trang-khong-co")
    assert response.status == 404
    assert phone.get_by_role("heading").first.inner_text() == "Không tìm thấy trang"
    screenshot(phone, "not-found-phone")
    # The browser reports the 404 document itself; nothing else may appear.
    assert [e for e in console_errors if "status of 404" not in e] == []


def test_the_harness_notices_a_csp_violation(desktop, console_errors):
    """Guards the guard: an inline script, which our CSP forbids, must show up as an error."""
    desktop.goto("/login")
    desktop.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "document.title = 'inline ran'";
        document.body.appendChild(script);
    }""")
    desktop.wait_for_timeout(200)
    assert desktop.title() != "inline ran"
    assert any("Content Security Policy" in error for error in console_errors), console_errors


def test_the_schedule_says_each_time_in_vietnamese_whatever_the_browsers_format(
    phone, officer, demo, login, screenshot, console_errors
):
    login(phone, officer)
    phone.goto(f"/conferences/{demo.slug}/schedule")
    rehearsal = next(s for s in demo.sessions if s.kind == "rehearsal")
    starts = phone.locator(f"#starts-{rehearsal.id}")
    words = phone.locator(f"#starts-{rehearsal.id}-words")
    assert words.inner_text() == "Thứ Ba, 26/4/2022 lúc 08:30"  # as saved
    starts.fill("2022-04-24T07:30")  # this headless browser shows the field as 04/24/2022
    assert words.inner_text() == "Chủ Nhật, 24/4/2022 lúc 07:30"
    screenshot(phone, "schedule-time-in-words-phone")
    assert not has_horizontal_scroll(phone)
    assert console_errors == []


def test_an_admin_invites_an_officer_from_a_phone(phone, login, screenshot, console_errors):
    from bridgeops.accounts import service
    from bridgeops.extensions import db

    admin = service.create_user("admin@hoiphunu.test", "Quản Trị Viên", "admin", "mat-khau-123")
    db.session.commit()
    login(phone, admin)
    phone.get_by_role("link", name="Tài khoản").click()
    phone.get_by_label("Email").fill("sai-email")
    phone.get_by_role("button", name="Mời").click()
    error = phone.locator(".field.has-error")
    assert error.locator(".error").first.inner_text() == "Vui lòng nhập họ tên."
    phone.get_by_label("Họ và tên").fill("Lãnh Đạo Hội")
    phone.get_by_label("Email").fill("lanhdao@hoiphunu.test")
    phone.get_by_label("Vai trò").select_option(label="Lãnh đạo (chỉ xem)")
    phone.get_by_role("button", name="Mời").click()
    link = phone.get_by_label("Đường dẫn mời").input_value()
    assert "/invite/" in link
    assert "Chưa nhận lời mời" in phone.get_by_role("row").filter(has_text="Lãnh Đạo Hội").inner_text()
    screenshot(phone, "admin-users-phone")
    assert not has_horizontal_scroll(phone)
    # The browser reports the 422 of the refused form itself; nothing else may appear.
    assert [e for e in console_errors if "status of 422" not in e] == []
