"""Every link in every kind of mail the product sends leads to a page, never to a 404.

The mails go through the real outbox and a real SMTP server on loopback; each link is taken
from the received bytes (text, HTML and calendar parts) and followed with the test client.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bridgeops.accounts.models import AccessGrant
from bridgeops.conference import service as conferences
from bridgeops.core.time import local, utcnow
from bridgeops.events import point_changed
from bridgeops.extensions import db
from bridgeops.followup import service as followup
from bridgeops.followup.models import FollowupDeadline
from bridgeops.health.alerts import AlertGroup, queue_alerts
from bridgeops.health.watchdog import alert_monitoring_stopped
from bridgeops.invites.service import LINK_PLACEHOLDER, queue_rehearsal_reminders
from bridgeops.mail import service as mail
from bridgeops.mail.models import KIND_LABELS, OutboxMessage
from bridgeops.registration import chairs
from bridgeops.registration.links import issue_chair_links
from bridgeops.registration.models import Contact
from tests.health.test_board import login
from tests.invites.conftest import districts, queue_invites, register_point, three_points  # noqa: F401

VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = re.compile(r"https?://[^\s<>\"'\\]+")


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href" and value]


def links_of(received) -> dict[str, set[str]]:
    """Every http(s) link of a received mail, by the part it was found in."""
    found: dict[str, set[str]] = {}
    for part in received.message.walk():
        if part.is_multipart() or part.get_content_maintype() not in ("text", "application"):
            continue
        payload = part.get_payload(decode=True) or b""
        content = payload.decode(part.get_content_charset() or "utf-8")
        kind = part.get_content_type()
        urls = set(URL.findall(content.replace("\r\n ", "")))  # calendar lines are folded
        if kind == "text/html":
            parser = _Hrefs()
            parser.feed(content)
            assert set(parser.hrefs) == urls, "every address in the HTML is a link, and only those"
        found.setdefault(kind, set()).update(urls)
    return found


def deliver() -> None:
    mail.run_feeders()  # as the outbox job does: changed points' invites first
    report = mail.deliver_pending()
    assert report.failed == 0 and report.retrying == 0


def follow(app, url: str, officer=None) -> int:
    """The final status of following ``url`` (redirects too) in a fresh browser; a 404 on the way
    fails at once."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == app.config["BASE_URL"], url
    client = app.test_client()
    if officer is not None:
        login(client, officer)
    response = client.get(parts.path, follow_redirects=True)
    assert all(r.status_code != 404 for r in response.history), url
    return response.status_code


def test_every_link_in_every_mail_kind_opens_a_page(app, demo, three_points, officer, smtp):  # noqa: F811
    # Invites (one per session and technician), then an update and the cancels of a point.
    deliver()
    rehearsal = demo.sessions[0]
    conferences.update_session(rehearsal, title="Tổng duyệt kết nối (lần 2)")
    db.session.commit()
    deliver()
    withdrawn = three_points[2]
    withdrawn.status = "withdrawn"
    db.session.flush()
    point_changed.send(withdrawn, created=False)
    db.session.commit()
    deliver()
    # The rehearsal reminder of technicians who have not acknowledged.
    assert queue_rehearsal_reminders(datetime(2022, 4, 25, 8, 0, tzinfo=VN))
    # Connection alerts (officer and technicians) and the monitoring-stopped alert.
    point = three_points[0]
    queue_alerts(demo, [AlertGroup("down", point.id, "Không phản hồi", [])], {point.id: point.name}, utcnow())
    assert alert_monitoring_stopped(demo, utcnow() - timedelta(minutes=2)) is not None
    # A late district's chair, and the follow-up conference reminder of the same chair.
    unit = districts(demo, 4)[3]
    chairs.save_chair_contact(
        demo, unit.code, {"name": "Vũ Thị Mai", "phone": "0903111222", "email": "mai@hoilhpn.vn"}, "test"
    )
    officer_client = app.test_client()
    login(officer_client, officer)
    assert officer_client.post(f"/conferences/{demo.slug}/return/remind").status_code == 200
    deadline = db.session.scalar(
        sa.select(FollowupDeadline).filter_by(conference_id=demo.id, level="district")
    )
    deadline.due_on = local(utcnow(), demo.timezone).date() + timedelta(days=7)
    three_points[1].contacts.append(Contact(role="chair", name="Lê Thị Cúc", email="cuc@vuban.example.vn"))
    db.session.flush()
    assert followup.queue_reminders()
    db.session.commit()
    deliver()

    kinds = {m.dedupe_key: m.kind for m in db.session.scalars(sa.select(OutboxMessage))}
    assert set(kinds.values()) == set(KIND_LABELS), "every kind of mail the product sends"
    assert any(key.startswith("followup-") for key in kinds)
    assert len(smtp.received) == len(kinds)
    links: dict[str, set[str]] = {}
    for received in smtp.received:
        subject = received.message["Subject"]
        parts = links_of(received)
        every = set().union(*parts.values())
        if "text/html" in parts:
            assert parts["text/html"] == parts["text/plain"], subject
        if not subject.startswith(("Hủy lịch", "Nhắc đăng ký", "Nhắc hạn tổ chức")):
            assert every, f"{subject} carries no link"
        for url in every:
            links.setdefault(url, set()).add(subject)
    paths = {urlsplit(url).path.split("/")[1] for url in links}
    assert paths == {"t", "calendar", "conferences"}
    for url in links:
        assert follow(app, url) == 200, (url, links[url])
    board = next(url for url in links if url.endswith("/board"))
    assert follow(app, board, officer) == 200
    assert not any(LINK_PLACEHOLDER in s for s in links)


def test_links_keep_their_form_under_a_base_url_with_a_path_prefix(app, demo):
    from bridgeops.core.urls import external_url

    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://hoi.example.vn/bridgeops/"
    try:
        assert (
            external_url("invites.technician_page", token="abc") == "https://hoi.example.vn/bridgeops/t/abc"
        )
        assert (
            external_url("invites.calendar_feed", token="abc")
            == "https://hoi.example.vn/bridgeops/calendar/abc.ics"
        )
        with app.test_request_context("/", base_url="http://10.0.0.5:8000"):
            # Inside a request from another host, the mailed link still carries BASE_URL.
            assert external_url("health.live_board", slug=demo.slug) == (
                f"https://hoi.example.vn/bridgeops/conferences/{demo.slug}/board"
            )
    finally:
        app.config["BASE_URL"] = saved
    assert external_url("registration.open_chair_link", token="x") == "http://bridgeops.test/c/x"


@pytest.fixture
def unsent_invite(demo) -> OutboxMessage:
    """One point registered while nothing is sent: its invites wait in the outbox and its
    technician has no invite link yet."""
    register_point(demo, districts(demo, 1)[0], [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    queue_invites()  # the outbox job's first step, without sending
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "invite").order_by(OutboxMessage.id)
    ).first()


def _grants() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant))


def test_previewing_an_unsent_invite_writes_nothing_and_shows_a_placeholder(
    client, officer, unsent_invite, smtp
):
    login(client, officer)
    before = _grants()
    page = client.get(f"/outbox/{unsent_invite.id}")
    eml = client.get(f"/outbox/{unsent_invite.id}.eml")
    assert page.status_code == 200 and eml.status_code == 200
    db.session.rollback()
    assert _grants() == before, "a GET issued a link grant"
    text = page.get_data(as_text=True)
    assert "đường dẫn sẽ được tạo khi gửi" in text
    assert "http://bridgeops.test/t/" not in text and "/calendar/" not in text
    # Sending issues the real link, and from then on the preview shows the link as sent.
    deliver()
    sent = smtp.received[0].message.get_body(("plain",)).get_content()
    link = re.search(r"http://bridgeops\.test/t/\S+", sent)[0]
    assert _grants() == before + 1
    again = client.get(f"/outbox/{unsent_invite.id}").get_data(as_text=True)
    assert link in again and LINK_PLACEHOLDER not in again
    assert _grants() == before + 1


def test_the_preview_of_an_invite_is_the_mail_once_its_link_exists(client, officer, unsent_invite):
    contact = db.session.get(Contact, unsent_invite.payload["contact_id"])
    from bridgeops.invites.links import technician_token

    token = technician_token(contact)
    db.session.commit()
    login(client, officer)
    eml = client.get(f"/outbox/{unsent_invite.id}.eml").data
    assert eml == mail.render(db.session.get(OutboxMessage, unsent_invite.id))
    assert f"/t/{token}".encode() in eml.replace(b"=\r\n", b"")


def test_chair_links_and_their_ready_messages_open_the_registration(app, demo, officer):
    """The chair links officers send by Zalo or mail (CLI and links page) open a page."""
    client = app.test_client()
    login(client, officer)
    unit = districts(demo, 1)[0]
    page = client.post(f"/conferences/{demo.slug}/links", data={"unit": unit.code, "action": "issue"})
    assert page.status_code == 200
    urls = set(URL.findall(page.get_data(as_text=True)))
    assert urls and all("/c/" in url for url in urls)
    for url in urls:
        assert follow(app, url) == 200
    for link in issue_chair_links(demo, "test")[:2]:
        db.session.commit()
        assert follow(app, link.url) == 200
