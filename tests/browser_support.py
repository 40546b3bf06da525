"""Browser fixtures for every test package: one Chromium per test run, driven by Playwright.

(One session-wide Playwright: a second ``sync_playwright()`` inside a running one fails.)
Fixtures: ``live_url`` (the app served by werkzeug in a thread, CSRF on), ``browser``,
``phone`` and ``desktop`` (pages in a 390x844 touch context and a 1366x900 one, Vietnamese
locale), ``console_errors`` (console errors, CSP violations and uncaught exceptions of those
pages), ``screenshot(page, name)`` (a PNG under test-artifacts/screenshots/) and
``login(page, user)``. Every test here is marked ``browser``; without /usr/bin/chromium they skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live_server import threaded_server

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; scripts/test installs it
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
#: The officer the ``officer`` fixture creates; the login helper types this password.
OFFICER_PASSWORD = "mat-khau-123"


@pytest.fixture(scope="session")
def live_url(app) -> Iterator[str]:
    """The test app on a real HTTP server (127.0.0.1, port 0)."""
    with threaded_server(app) as url:
        yield url


@pytest.fixture
def csrf_on(app) -> Iterator[None]:
    """Forms in the browser carry real CSRF tokens, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors (CSP violations among them) and uncaught exceptions of this test's pages."""
    return []


def _new_page(browser, live_url: str, console_errors: list[str], options: dict):
    context = browser.new_context(
        base_url=live_url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    return context, page


@pytest.fixture
def phone(browser, live_url, console_errors):
    """A page on a 390x844 touch screen, the chairs' usual device."""
    context, page = _new_page(browser, live_url, console_errors, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_url, console_errors):
    """A page on a 1366x900 office screen."""
    context, page = _new_page(browser, live_url, console_errors, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def screenshot(request) -> Callable[..., Path]:
    """``screenshot(page, name)`` saves a full-page PNG under test-artifacts/screenshots/."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
        path = SCREENSHOTS / f"{safe}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login() -> Callable:
    """``login(page, user)`` signs an officer in through the login form."""

    def sign_in(page, user, password: str = OFFICER_PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()

    return sign_in


def has_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.fixture
def magic_link(live_url, demo) -> Callable[..., str]:
    """``magic_link("chair", unit_code="356")`` or ``magic_link("technician", point_id=…)``: the
    absolute URL of a fresh link on the live server (``/c/<token>`` or ``/t/<token>``)."""
    from bridgeops.accounts import service
    from bridgeops.extensions import db

    def issue(role: str = "chair", *, unit_code: str | None = None, point_id: int | None = None) -> str:
        issued = service.issue_grant(role, conference_id=demo.id, unit_code=unit_code, point_id=point_id)
        db.session.commit()
        return f"{live_url}/{'c' if role == 'chair' else 't'}/{issued.token}"

    return issue
