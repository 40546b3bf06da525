from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bridgeops.extensions import db
from bridgeops.invites.service import queue_rehearsal_reminders
from bridgeops.registration.service import acknowledge

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_reminders_go_the_day_before_the_rehearsal_to_who_has_not_acknowledged(demo, three_points):
    acknowledge(three_points[0].technicians[0])
    db.session.commit()
    assert queue_rehearsal_reminders(datetime(2022, 4, 24, 9, 0, tzinfo=VN)) == []
    assert queue_rehearsal_reminders(datetime(2022, 4, 25, 7, 59, tzinfo=VN)) == []
    queued = queue_rehearsal_reminders(datetime(2022, 4, 25, 8, 0, tzinfo=VN))
    db.session.commit()
    assert sorted(m.recipient for m in queued) == [
        "duc@yyen.example.vn",
        "lan@vuban.example.vn",
        "nam@vuban.example.vn",
    ]
    assert {m.kind for m in queued} == {"reminder"}
    assert "Nhắc lịch: Tổng duyệt kết nối" in queued[0].subject
    again = queue_rehearsal_reminders(datetime(2022, 4, 25, 15, 0, tzinfo=VN))
    assert sorted(m.id for m in again) == sorted(m.id for m in queued)  # nothing new
    assert queue_rehearsal_reminders(datetime(2022, 4, 26, 9, 0, tzinfo=VN)) == []  # started


def test_the_scheduler_runs_outbox_delivery_every_five_seconds_and_the_reminders(app):
    from bridgeops.scheduler import collect_jobs

    jobs = {spec.id: spec for spec in collect_jobs(app)}
    assert jobs["outbox-delivery"].seconds == 5
    assert "rehearsal-reminders" in jobs


def test_reminders_look_up_every_technician_link_at_once(demo, three_points):
    import sqlalchemy as sa

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        queued = queue_rehearsal_reminders(datetime(2022, 4, 25, 8, 0, tzinfo=VN))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    db.session.commit()
    grant_reads = [s for s in statements if "FROM access_grant" in s]
    assert len(queued) == 4
    assert len(grant_reads) == 1  # not one per technician
    assert all("/t/" in m.mime.decode(errors="replace") for m in queued)


def _statements_while(action) -> tuple[int, object]:
    import sqlalchemy as sa

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len(statements), result


def test_reminders_take_the_same_statements_for_four_technicians_as_for_twelve(demo, three_points):
    """Contacts in one query, grants and reminders each in one executemany: not one per technician."""
    from tests.invites.conftest import districts, register_point

    at = datetime(2022, 4, 25, 8, 0, tzinfo=VN)
    few, queued = _statements_while(lambda: queue_rehearsal_reminders(at))
    assert len(queued) == 4
    db.session.rollback()  # the same state again, then eight more technicians
    for n, unit in enumerate(districts(demo, 7)[3:]):
        pair = [(f"Kỹ thuật viên {n}{s}", f"{s}{n}@kt.example.vn") for s in "ab"]
        register_point(demo, unit, pair)
    many, queued = _statements_while(lambda: queue_rehearsal_reminders(at))
    db.session.commit()
    assert len(queued) == 12
    # Eight more technicians add no statement each (one of slack: PostgreSQL may set up a pooled
    # connection inside the measured call).
    assert many <= few + 1, (few, many)
    assert len({m.id for m in queued}) == 12 and all(m.kind == "reminder" for m in queued)
    again, repeated = _statements_while(lambda: queue_rehearsal_reminders(at))
    assert sorted(m.id for m in repeated) == sorted(m.id for m in queued)  # nothing new
    assert again < many
