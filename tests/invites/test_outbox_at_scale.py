"""Invites are queued as compact outbox rows and rendered by the deliverer, in batches."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from flask import current_app

from bridgeops.accounts.models import AccessGrant
from bridgeops.conference import service as conferences
from bridgeops.extensions import db
from bridgeops.invites import links
from bridgeops.invites import service as invites
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration import service as registration
from bridgeops.registration.models import Contact
from bridgeops.units.models import AdminUnit
from tests.conftest import bearer
from tests.invites.conftest import queue_invites
from tests.invites.test_invite_mail import calendar_of
from tests.registration.helpers import MY_LOC, point_body


def test_a_registration_post_queues_compact_rows_and_no_mime(client, demo, officer_token):
    created = client.post(
        "/api/v1/conferences/namdinh-2022/points", json=point_body(MY_LOC), headers=bearer(officer_token)
    )
    assert created.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    queue_invites()  # the outbox job, after the registration's commit
    rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
    assert len(rows) == len(demo.sessions) == 4
    for row in rows:
        assert row.mime is None and row.status == "pending" and row.recipient == "ky@example.vn"
        assert row.payload["renderer"] == "itip" and row.payload["method"] == "REQUEST"
        assert row.payload["contact_id"] and row.payload["point_id"] and row.payload["title"]
        assert row.dedupe_key == (
            f"invite:{row.payload['session_id']}:"
            f"{row.payload['contact_id']}:{row.payload['sequence']}:request"
        )
    # Rendered later, the row is a complete iTIP mail for that technician.
    first, again = (message_from_bytes(mail.render(rows[0]), policy=policy.default) for _ in range(2))
    inline = [p for p in first.walk() if p.get_content_type() == "text/calendar"]
    assert len(inline) == 1 and inline[0].get_param("method") == "REQUEST"
    assert first["To"] == "ky@example.vn"
    # Sent again after a crash, it is the same message for the client.
    assert first["Message-ID"] == again["Message-ID"] and first["Date"] == again["Date"]
    assert mail.render(rows[0]) == mail.render(rows[0]), "byte for byte, boundaries included"


def many_points(conference, count: int) -> int:
    """``count`` commune points with one technician each, none invited yet."""
    communes = list(
        db.session.scalars(
            sa.select(AdminUnit)
            .where(AdminUnit.level == "commune", AdminUnit.province_code == conference.host_unit_code)
            .order_by(AdminUnit.code)
            .limit(count)
        )
    )
    assert len(communes) == count
    # A bulk registration announces no point: nothing is queued until a session is reconciled.
    rows = [
        point_body(
            unit.code,
            venue=f"Hội trường {n}",
            counts={},
            technicians=[
                {"name": f"Kỹ thuật viên {n}", "phone": f"0912{n:06d}", "email": f"ktv{n}@diemcau.vn"}
            ],
        )
        for n, unit in enumerate(communes)
    ]
    registration.bulk_create_points(conference, rows, actor="test")
    db.session.commit()
    return len(communes)


def test_a_session_change_on_hundreds_of_points_commits_quickly_and_delivers_exactly(demo, smtp, monkeypatch):
    points = many_points(demo, 220)
    session = sorted(demo.sessions, key=lambda s: s.starts_at)[0]
    assert invites.reconcile_session(session) == points
    db.session.commit()
    assert mail.deliver_all().sent == points
    assert len(smtp.received) == points

    monkeypatch.setattr(mail, "BATCH_SIZE", 64)  # several batches in one run
    started = time.perf_counter()
    conferences.update_session(
        session,
        starts_at=session.starts_at + timedelta(minutes=30),
        ends_at=session.ends_at + timedelta(minutes=30),
    )
    db.session.commit()
    assert time.perf_counter() - started < 15
    updates = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "update")))
    assert len(updates) == points and all(row.mime is None for row in updates)

    first_connections = smtp.connections
    report = mail.deliver_all()
    assert (report.sent, report.failed, report.retrying) == (points, 0, 0)
    assert smtp.connections == first_connections + 1, "one SMTP connection for the whole run"
    per_recipient: Counter = Counter()
    for received in smtp.received[points:]:
        method, ics = calendar_of(received)
        event = icalendar.Calendar.from_ical(ics).events[0]
        assert method == "REQUEST" and int(event["SEQUENCE"]) == session.sequence
        assert event.decoded("dtstart") == session.starts_at
        per_recipient[received.recipients[0]] += 1
    assert len(per_recipient) == points and set(per_recipient.values()) == {1}
    assert mail.deliver_all().sent == 0 and len(smtp.received) == 2 * points


def test_a_message_that_cannot_be_rendered_fails_alone(demo, smtp):
    many_points(demo, 3)
    session = demo.sessions[0]
    invites.reconcile_session(session)
    db.session.commit()
    broken = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id))
    broken.payload = {**broken.payload, "renderer": "unknown"}
    db.session.commit()
    report = mail.deliver_all()
    assert (report.sent, report.failed) == (2, 1)
    db.session.refresh(broken)
    assert broken.status == "failed" and "render" in broken.last_error


def queries_while(action) -> int:
    """How many SQL statements this thread runs during ``action()``."""
    statements: list[str] = []
    this_thread = threading.get_ident()

    def count(_conn, _cursor, statement, *_args):
        if threading.get_ident() == this_thread:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_batch_of_invites_is_rendered_with_a_fixed_number_of_queries(demo, smtp, monkeypatch):
    points = many_points(demo, 60)
    session = demo.sessions[0]
    invites.reconcile_session(session)
    db.session.commit()
    # Sent ids recorded once, at the batch's end: this counts the queries of rendering.
    monkeypatch.setattr(mail, "MARK_EVERY", 10**6)
    monkeypatch.setattr(mail, "RENEW_CLAIMS_SECONDS", 3600)
    monkeypatch.setattr(mail, "BATCH_SIZE", 10)
    few = queries_while(mail.deliver_pending)
    monkeypatch.setattr(mail, "BATCH_SIZE", 50)
    many = queries_while(mail.deliver_pending)
    assert len(smtp.received) == points
    # Fifty technicians, each getting her first link, cost no more queries than ten.
    assert many == few
    grants = db.session.execute(
        sa.select(AccessGrant.contact_id, sa.func.count())
        .where(AccessGrant.role == "technician")
        .group_by(AccessGrant.contact_id)
    ).all()
    assert len(grants) == points and {count for _, count in grants} == {1}
    # Each mail carries the link of its own grant, which opens that technician's page.
    client = current_app.test_client()
    for received in smtp.received[:3]:
        text = received.message.get_body(("plain",)).get_content()
        url = re.search(r"https?://\S+/t/\S+", text).group(0)
        contact = db.session.scalar(sa.select(Contact).where(Contact.email == received.recipients[0]))
        assert links.technician_token(contact) == url.rsplit("/", 1)[1]
        page = client.get(urlsplit(url).path, follow_redirects=True)
        assert page.status_code == 200 and contact.point.name in page.get_data(as_text=True)


def test_a_technician_removed_after_queueing_fails_alone_in_her_batch(demo, smtp):
    many_points(demo, 3)
    invites.reconcile_session(demo.sessions[0])
    db.session.commit()
    gone = db.session.scalar(sa.select(Contact).where(Contact.email == "ktv1@diemcau.vn"))
    db.session.execute(sa.delete(Contact).where(Contact.id == gone.id))
    db.session.commit()
    report = mail.deliver_all()
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(m.recipients[0] for m in smtp.received) == ["ktv0@diemcau.vn", "ktv2@diemcau.vn"]
    failed = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert failed.recipient == "ktv1@diemcau.vn" and "no longer exists" in failed.last_error


def test_a_run_hands_over_at_its_time_limit_and_feeds_what_changed_meanwhile(
    client, demo, smtp, officer_token, monkeypatch
):
    points = many_points(demo, 5)
    invites.reconcile_session(demo.sessions[0])
    db.session.commit()
    monkeypatch.setattr(mail, "BATCH_SIZE", 2)
    first = mail.deliver_all(max_seconds=0)
    assert (first.due, first.sent) == (2, 2), "one batch, then the next run goes on"

    deliver_batch, reports = mail._deliver_batch, []

    def batch_then_register(*args, **kwargs):
        reports.append(deliver_batch(*args, **kwargs))
        if len(reports) == 1:  # a chair registers a point while the run is under way
            points_url = "/api/v1/conferences/namdinh-2022/points"
            created = client.post(points_url, json=point_body(MY_LOC), headers=bearer(officer_token))
            assert created.status_code == 201
        return reports[-1]

    monkeypatch.setattr(mail, "_deliver_batch", batch_then_register)
    rest = mail.deliver_all()
    # The other three invites, and the new point's technician's invite to every session.
    assert rest.sent == points - 2 + len(demo.sessions)
    assert [m.recipients[0] for m in smtp.received].count("ky@example.vn") == len(demo.sessions)
    assert len(reports) > 2
