"""Every POST form on the officer's pages carries exactly one CSRF field, and the field it
renders is one CSRFProtect accepts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import requests

from bridgeops.extensions import db
from bridgeops.registration.models import BridgePoint

SLUG = "namdinh-2022"


class PostForms(HTMLParser):
    """The POST forms of a page, each with the values of the CSRF fields inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._open = {"action": attributes.get("action"), "csrf": []}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attributes.get("name") == "csrf_token":
            self._open["csrf"].append(attributes.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def post_forms(html: str) -> list[dict]:
    parser = PostForms()
    parser.feed(html)
    return parser.forms


def log_in(client, officer) -> None:
    response = client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    assert response.status_code == 302


def officer_pages(client, demo) -> list[str]:
    """The officer's main pages, with one frozen snapshot of each kind to show."""
    point = db.session.scalars(db.select(BridgePoint).order_by(BridgePoint.id)).first()
    session = next(s for s in demo.sessions if s.kind == "session")
    returns_snapshot = client.post(f"/conferences/{SLUG}/return/snapshots").headers["Location"]
    client.post(f"/conferences/{SLUG}/return/snapshots")  # a second, so the diff has a pair
    followup_snapshot = client.post(f"/conferences/{SLUG}/followup-report/snapshots").headers["Location"]
    attendance_snapshot = client.post(
        f"/conferences/{SLUG}/attendance/snapshots", data={"session_id": session.id}
    ).headers["Location"]
    return [
        "/",
        "/conferences/new",
        f"/conferences/{SLUG}/edit",
        f"/conferences/{SLUG}/schedule",
        f"/conferences/{SLUG}/points",
        f"/points/{point.id}",
        f"/conferences/{SLUG}/links",
        f"/conferences/{SLUG}/return",
        f"/conferences/{SLUG}/return/snapshots",
        returns_snapshot,
        f"/conferences/{SLUG}/board",
        f"/conferences/{SLUG}/board/problems",
        f"/conferences/{SLUG}/rehearsal",
        f"/conferences/{SLUG}/rehearsal/{point.id}",
        f"/conferences/{SLUG}/acknowledgements",
        f"/conferences/{SLUG}/attendance",
        attendance_snapshot,
        f"/conferences/{SLUG}/followups",
        followup_snapshot,
        "/outbox",
    ]


@pytest.fixture
def centre_configured(app):
    """The snapshot pages show their 'send to the centre' form only when a centre is set."""
    app.config["TW_RETURN_URL"] = "http://127.0.0.1:9/return"
    yield
    app.config.pop("TW_RETURN_URL")


def test_every_post_form_on_the_officer_pages_has_exactly_one_csrf_field(
    client, demo, officer, centre_configured
):
    log_in(client, officer)
    pages = officer_pages(client, demo)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        forms = post_forms(response.get_data(as_text=True))
        assert forms, path  # at least the log-out form of the top bar
        for form in forms:
            assert len(form["csrf"]) == 1 and form["csrf"][0], (path, form["action"])
    for path in (p for p in pages if "/snapshots/" in p):  # the shared submission card
        forms = post_forms(client.get(path).get_data(as_text=True))
        assert any(f["action"] == f"{path}/submit" for f in forms), path


def test_the_rendered_csrf_field_is_accepted_and_a_form_without_it_is_refused(
    live_url, csrf_on, demo, officer
):
    browser = requests.Session()
    login = browser.get(f"{live_url}/login").text
    token = next(f for f in post_forms(login) if f["csrf"])["csrf"][0]
    signed_in = browser.post(
        f"{live_url}/login",
        data={"csrf_token": token, "email": officer.email, "password": "mat-khau-123"},
    )
    assert signed_in.url == f"{live_url}/"
    log_out = next(f for f in post_forms(signed_in.text) if f["action"] == "/logout")
    points = f"{live_url}/conferences/{SLUG}/points"

    assert browser.post(f"{live_url}/logout", allow_redirects=False).status_code == 400
    assert browser.get(points, allow_redirects=False).status_code == 200  # still signed in
    refused = browser.post(f"{live_url}/logout", data={"csrf_token": "forged"}, allow_redirects=False)
    assert refused.status_code == 400
    signed_out = browser.post(
        f"{live_url}/logout", data={"csrf_token": log_out["csrf"][0]}, allow_redirects=False
    )
    assert signed_out.status_code == 302
    assert browser.get(points, allow_redirects=False).status_code == 302  # to the login page
