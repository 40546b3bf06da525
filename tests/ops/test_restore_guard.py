"""Restore refuses while the service is live, says what will be lost, and identifiers that left
the system (calendar UIDs, Message-IDs) are never handed out again after it."""

from __future__ import annotations

import email
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from bridgeops.conference.models import Conference
from bridgeops.extensions import db
from bridgeops.mail import service as mail
from bridgeops.mail.models import OutboxMessage
from bridgeops.ops.lease import acquire_or_renew, release
from bridgeops.registration.models import BridgePoint
from tests.invites.conftest import districts, register_point
from tests.live_server import threaded_server


@pytest.fixture(autouse=True)
def _needs_pg_tools():
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (apt-get install postgresql-client)")


@pytest.fixture
def backup_file(runner, demo, tmp_path) -> Path:
    if db.engine.dialect.name == "postgresql":
        # pg_dump stamps its archive to the second: let the demo's own changes fall in an
        # earlier second, so that only what the test does after the backup counts as lost.
        time.sleep(1.1)
    target = tmp_path / "bridgeops.backup"
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def _titles() -> set[str]:
    titles = set(db.session.scalars(sa.select(Conference.title)))
    db.session.commit()
    return titles


def test_restore_refuses_while_the_scheduler_holds_its_lease(runner, demo, backup_file):
    demo.title = "Đổi sau khi sao lưu"
    db.session.commit()
    assert acquire_or_renew("host:1:scheduler")
    result = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code != 0
    assert "bộ lập lịch đang chạy" in result.output and "--force" in result.output
    assert _titles() == {"Đổi sau khi sao lưu"}  # nothing was replaced

    forced = runner.invoke(args=["restore", "--yes", "--force", str(backup_file)])
    assert forced.exit_code == 0, forced.output
    assert "Đổi sau khi sao lưu" not in _titles()


def test_restore_refuses_while_web_workers_answer(app, runner, demo, backup_file):
    with threaded_server(app) as url:
        result = runner.invoke(args=["restore", "--yes", "--url", url, str(backup_file)])
    assert result.exit_code != 0
    assert "máy chủ web đang trả lời" in result.output


def test_restore_proceeds_once_the_service_is_stopped(runner, demo, backup_file):
    assert acquire_or_renew("host:1:scheduler")
    release("host:1:scheduler")  # a scheduler stopped cleanly gives its lease up
    result = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output


def test_restore_says_what_will_be_lost(runner, demo, backup_file):
    units = districts(demo, 2)
    register_point(demo, units[0], [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    register_point(demo, units[1], [("Trần Văn Nam", "nam@vuban.example.vn")])
    mail.deliver_all()
    result = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "sẽ MẤT" in result.output
    assert "2 lần tạo mới điểm cầu" in result.output
    assert f"{4 * 2} thư đã gửi đi" in result.output  # 4 sessions × 2 technicians


def _delivered(outbox_dir: Path) -> list[email.message.Message]:
    """Deliver what is due to .eml files and read them (file names are outbox ids, which a
    restore hands out again, so each delivery is read at once and the files removed)."""
    for path in outbox_dir.glob("*.eml"):
        path.unlink()
    mail.deliver_all()
    messages = [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox_dir.glob("*.eml"))]
    for path in outbox_dir.glob("*.eml"):
        path.unlink()
    return messages


def _uids(messages: list[email.message.Message]) -> set[str]:
    found = set()
    for message in messages:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                text = part.get_payload(decode=True).decode()
                found.update(
                    line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("UID:")
                )
    return found


def _method(message: email.message.Message) -> str:
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return calendar.get_param("method")


def test_uids_and_message_ids_are_never_reused_after_a_restore(runner, demo, backup_file):
    outbox_dir = Path(current_app.config["OUTBOX_DIR"])
    conference_id = demo.id
    first_unit = districts(demo, 2)[0]
    lost = register_point(demo, first_unit, [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    lost_id = lost.id
    before = _delivered(outbox_dir)
    assert len(before) == 4
    result = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert db.session.get(BridgePoint, lost_id) is None

    conference = db.session.get(Conference, conference_id)
    other = register_point(
        conference, districts(conference, 2)[1], [("Trần Văn Nam", "nam@vuban.example.vn")]
    )
    assert other.id == lost_id  # the database hands the same id out again…
    delivered = _delivered(outbox_dir)
    after = [m for m in delivered if _method(m) == "REQUEST"]
    assert len(after) == 4  # (and the lost point's 4 cancels)
    # …but what already left the system is never given to something else.
    assert _uids(before) and not _uids(before) & _uids(after)
    assert not {m["Message-ID"] for m in before} & {m["Message-ID"] for m in delivered}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 8


def test_technicians_invited_after_the_backup_get_a_cancel(runner, demo, backup_file):
    outbox_dir = Path(current_app.config["OUTBOX_DIR"])
    register_point(demo, districts(demo, 1)[0], [("Nguyễn Thị Hoa", "hoa@mylocs.example.vn")])
    invited = _delivered(outbox_dir)
    assert len(invited) == 4
    result = runner.invoke(args=["restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "4 thư hủy lịch" in result.output
    cancels = _delivered(outbox_dir)
    assert len(cancels) == 4
    assert all("hoa@mylocs.example.vn" in m["To"] for m in cancels)
    assert _uids(cancels) == _uids(invited)  # the very events in her calendar…
    for message in cancels:  # …cancelled
        calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        text = calendar.get_payload(decode=True).decode()
        assert _method(message) == "CANCEL" and "STATUS:CANCELLED" in text
