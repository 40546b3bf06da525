"""Invites, updates and cancels arrive at a real SMTP server exactly as often as they should."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import icalendar
import sqlalchemy as sa
import vobject
from flask import current_app

from bridgeops.conference import service as conferences
from bridgeops.events import point_changed
from bridgeops.extensions import db
from bridgeops.invites.models import Invite
from bridgeops.invites.service import reconcile_backlog
from bridgeops.mail import jobs as mail_jobs
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxMessage
from bridgeops.registration.models import BridgePoint
from tests.factories import make_point, set_status
from tests.invites.conftest import districts, register_point
from tests.invites.wire import assert_wire_rules


def run_job() -> mail.DeliveryReport:
    """The scheduler's outbox job: the invites of points changed since its last run, then
    delivery."""
    return mail_jobs.deliver(current_app._get_current_object())


def deliver():
    report = run_job()
    assert report.failed == 0 and report.retrying == 0
    return report


def calendar_of(received) -> tuple[str, bytes]:
    """(content-type parameters' method, the inline text/calendar bytes) of a received mail."""
    message = received.message
    inline = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(inline) == 1
    return inline[0].get_param("method"), inline[0].get_payload(decode=True)


def events_by_recipient(smtp) -> Counter:
    counter: Counter = Counter()
    for received in smtp.received:
        method, ics = calendar_of(received)
        event = icalendar.Calendar.from_ical(ics).events[0]
        counter[(received.recipients[0], method, str(event["UID"]), int(event["SEQUENCE"]))] += 1
    return counter


def test_each_technician_gets_exactly_one_invite_per_session(demo, three_points, smtp):
    deliver()
    sessions = demo.sessions
    technicians = [c for p in three_points for c in p.technicians]
    assert len(smtp.received) == len(sessions) * len(technicians) == 16
    pairs = Counter()
    for received in smtp.received:
        method, ics = calendar_of(received)
        assert method == "REQUEST"
        lines = assert_wire_rules(ics, itip=True)
        assert "METHOD:REQUEST" in lines
        event = icalendar.Calendar.from_ical(ics).events[0]
        pairs[(received.recipients[0], str(event["UID"]))] += 1
    assert set(pairs.values()) == {1}
    assert {email for email, _ in pairs} == {c.email for c in technicians}
    assert len({uid for _, uid in pairs}) == len(sessions) * len(three_points)
    assert run_job().sent == 0 and len(smtp.received) == 16


def test_invite_mail_is_multipart_as_calendar_clients_expect(demo, three_points, smtp):
    deliver()
    message = smtp.received[0].message
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar_part = alternative.get_payload()[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_param("charset") == "UTF-8"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() in ("application/ics", "text/calendar")
    assert attachment.get_payload(decode=True) == calendar_part.get_payload(decode=True)
    text = alternative.get_payload()[0].get_content()
    assert "Đã nhận lịch" in text and "http://bridgeops.test/t/" in text
    assert "/calendar/" in text
    event = vobject.readOne(calendar_part.get_payload(decode=True).decode()).vevent
    assert event.organizer.value == "mailto:" + demo.contact_email


def test_moving_a_session_sends_one_update_per_technician_for_that_session_only(demo, three_points, smtp):
    deliver()
    before = len(smtp.received)
    rehearsal = demo.sessions[0]
    changed = conferences.update_session(
        rehearsal,
        starts_at=rehearsal.starts_at + timedelta(hours=1),
        ends_at=rehearsal.ends_at + timedelta(hours=1),
    )
    db.session.commit()
    assert changed and rehearsal.sequence == 1
    deliver()
    updates = smtp.received[before:]
    assert len(updates) == 4  # one per technician
    for received in updates:
        method, ics = calendar_of(received)
        event = icalendar.Calendar.from_ical(ics).events[0]
        assert method == "REQUEST"
        assert str(event["UID"]).startswith(f"session-{rehearsal.uid_key}-point-")
        assert int(event["SEQUENCE"]) == 1
        assert event.start.hour == 9 and event.start.minute == 30
    # The same values again change nothing; nothing more is sent.
    assert not conferences.update_session(rehearsal, starts_at=rehearsal.starts_at)
    db.session.commit()
    assert run_job().sent == 0 and len(smtp.received) == before + 4


def test_withdrawing_a_point_sends_exactly_its_cancels(demo, three_points, smtp):
    deliver()
    before = len(smtp.received)
    point = three_points[1]  # two technicians
    set_status(point, "withdrawn")
    db.session.commit()
    deliver()
    cancels = events_by_recipient(type(smtp)(received=smtp.received[before:]))
    assert len(cancels) == 2 * len(demo.sessions)
    assert set(cancels.values()) == {1}
    for (email, method, uid, sequence), _ in cancels.items():
        assert email in {"nam@vuban.example.vn", "lan@vuban.example.vn"}
        assert method == "CANCEL" and f"-point-{point.uid_key}@" in uid and sequence == 1
    for received in smtp.received[before:]:
        lines = assert_wire_rules(calendar_of(received)[1], itip=True)
        assert "STATUS:CANCELLED" in lines
    point_changed.send(point, created=False)  # announced twice: nothing new
    db.session.commit()
    assert run_job().sent == 0


def test_cancelling_a_session_cancels_it_for_everyone_and_restoring_reinvites(demo, three_points, smtp):
    deliver()
    day3 = demo.sessions[3]
    conferences.update_session(day3, cancelled=True)
    db.session.commit()
    before = len(smtp.received)
    deliver()
    cancels = smtp.received[before:]
    assert len(cancels) == 4 and {calendar_of(r)[0] for r in cancels} == {"CANCEL"}
    conferences.update_session(day3, cancelled=False)
    db.session.commit()
    before = len(smtp.received)
    deliver()
    again = events_by_recipient(type(smtp)(received=smtp.received[before:]))
    assert len(again) == 4
    assert {(method, sequence) for _, method, _, sequence in again} == {("REQUEST", 2)}


def test_adding_or_changing_a_technician_sends_only_what_that_person_needs(demo, three_points, smtp):
    deliver()
    point = three_points[0]
    make_point(demo, point.unit_code, technicians=(("Vũ Thị Mai", "", "mai@mylocs.example.vn"),))
    db.session.commit()
    before = len(smtp.received)
    deliver()
    new = smtp.received[before:]
    assert [r.recipients[0] for r in new] == ["mai@mylocs.example.vn"] * 4
    assert {calendar_of(r)[0] for r in new} == {"REQUEST"}

    hoa = point.technicians[0]
    hoa.email = "hoa.moi@mylocs.example.vn"
    db.session.flush()
    point_changed.send(point, created=False)
    db.session.commit()
    before = len(smtp.received)
    deliver()
    changed = events_by_recipient(type(smtp)(received=smtp.received[before:]))
    assert {(email, method) for email, method, _, _ in changed} == {
        ("hoa@mylocs.example.vn", "CANCEL"),
        ("hoa.moi@mylocs.example.vn", "REQUEST"),
    }
    assert len(changed) == 8
    # Sequences only ever go up per UID, across everyone who got that UID.
    for email, _method, uid, sequence in changed:
        assert sequence > 0, (email, uid)


def backlog_of(point) -> int:
    """1 while the point's invites are marked due, else 0 (read from the database)."""
    due = db.session.scalar(sa.select(BridgePoint.invites_due_at).where(BridgePoint.id == point.id))
    return int(due is not None)


def test_a_point_change_commits_its_intent_and_the_job_queues_the_invites(demo, smtp):
    """The registration's transaction holds the point and its due mark, not the fan-out; the
    outbox job turns the mark into the invites, once."""
    mail.run_feeders()  # the demo's own points (no technicians: no invites)
    unit = districts(demo, 1)[0]
    point = register_point(demo, unit, [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert backlog_of(point) >= 1
    mail.run_feeders()
    assert backlog_of(point) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4
    assert mail.run_feeders() == 0  # nothing left, nothing queued twice
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4
    rehearsal = demo.sessions[0]
    conferences.update_session(rehearsal, title="Tổng duyệt kết nối (lần 2)")
    db.session.rollback()  # the change is abandoned: so are its invites
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4
    assert db.session.scalar(sa.select(sa.func.max(Invite.sequence))) == 0


def test_a_crash_between_the_commit_and_the_fan_out_loses_no_invite(demo, smtp):
    unit = districts(demo, 1)[0]
    point = register_point(demo, unit, [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    assert reconcile_backlog() >= 1  # the job reconciled, then died before its commit
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert backlog_of(point) >= 1
    deliver()  # the next run
    assert sorted(r.recipients[0] for r in smtp.received) == ["hoa@mylocs.example.vn"] * 4
    assert backlog_of(point) == 0
    assert run_job().sent == 0


def test_a_change_while_the_job_reconciles_stays_due_for_the_next_run(demo, smtp, monkeypatch):
    """The job clears only the mark it read: a point changed after that read (here, in the
    middle of the run, as a chair's edit committing meanwhile would) keeps its mark, and the
    next run reconciles it."""
    from bridgeops.invites import service as invites

    mail.run_feeders()  # the demo's own points
    unit = districts(demo, 1)[0]
    point = register_point(demo, unit, [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    reconcile = invites.reconcile_point

    def reconcile_then_changed(changed) -> int:
        queued = reconcile(changed)
        invites.note_point_changed(changed)  # a newer mark than the one the run read
        return queued

    monkeypatch.setattr(invites, "reconcile_point", reconcile_then_changed)
    assert invites.reconcile_backlog() == 1
    db.session.commit()
    assert backlog_of(point) == 1
    monkeypatch.undo()
    assert invites.reconcile_backlog() == 1
    db.session.commit()
    assert backlog_of(point) == 0
    assert invites.reconcile_backlog() == 0


def test_backlog_rows_of_the_previous_release_are_folded_into_marks(demo, smtp):
    """During an upgrade the previous release's workers still write ``invite_backlog`` rows
    (until the reload): the job turns each into the point's invites, then deletes it."""
    from bridgeops.invites.models import InviteBacklog
    from bridgeops.registration.models import Contact

    mail.run_feeders()  # the demo's own points
    unit = districts(demo, 1)[0]
    point = register_point(demo, unit, [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    mail.run_feeders()
    before = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id)))
    # An older worker's change: a new address, and a backlog row instead of a mark.
    db.session.execute(
        sa.update(Contact).where(Contact.point_id == point.id).values(email="hoa.moi@mylocs.example.vn")
    )
    db.session.add(InviteBacklog(point_id=point.id))
    db.session.commit()
    assert backlog_of(point) == 0
    assert mail.run_feeders() >= 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InviteBacklog)) == 0
    assert backlog_of(point) == 0
    new = db.session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.id > before)).all()
    assert sorted(set(new)) == ["hoa.moi@mylocs.example.vn", "hoa@mylocs.example.vn"]


def test_a_new_venue_updates_that_points_technicians_and_confirming_sends_nothing(demo, three_points, smtp):
    deliver()
    point = three_points[2]
    set_status(point, "confirmed")
    db.session.commit()
    assert run_job().sent == 0
    point.venue = "Phòng họp trực tuyến, tầng 2, Huyện ủy Ý Yên"
    db.session.flush()
    point_changed.send(point, created=False)
    db.session.commit()
    before = len(smtp.received)
    deliver()
    updates = smtp.received[before:]
    assert [r.recipients[0] for r in updates] == ["duc@yyen.example.vn"] * 4
    for received in updates:
        event = icalendar.Calendar.from_ical(calendar_of(received)[1]).events[0]
        assert str(event["LOCATION"]) == point.venue and int(event["SEQUENCE"]) == 1


def test_removing_a_technician_cancels_her_invites_only(demo, three_points, smtp):
    deliver()
    point = three_points[1]
    lan = point.technicians[1]
    point.contacts.remove(lan)
    db.session.flush()
    point_changed.send(point, created=False)
    db.session.commit()
    before = len(smtp.received)
    deliver()
    cancels = smtp.received[before:]
    assert [r.recipients[0] for r in cancels] == ["lan@vuban.example.vn"] * 4
    assert {calendar_of(r)[0] for r in cancels} == {"CANCEL"}


def test_a_session_added_later_is_sent_to_the_registered_technicians(demo, three_points, smtp):
    deliver()
    before = len(smtp.received)
    extra = conferences.add_session(
        demo,
        "session",
        "Hội nghị – buổi bổ sung",
        demo.sessions[3].starts_at + timedelta(days=1),
        demo.sessions[3].ends_at + timedelta(days=1),
    )
    db.session.commit()
    deliver()
    added = smtp.received[before:]
    assert len(added) == 4
    assert all(f"UID:session-{extra.uid_key}-point-" in calendar_of(r)[1].decode() for r in added)
