from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgeops.invites import builders
from bridgeops.invites.builders import EventDetails, build_cancel, build_feed, build_request
from tests.invites.wire import assert_wire_rules, physical_lines

LONG_VENUE = (
    "Phòng họp trực tuyến tầng ba, trụ sở Huyện ủy – Hội đồng nhân dân – Ủy ban nhân "
    "dân huyện Nghĩa Hưng, thị trấn Liễu Đề, tỉnh Nam Định (cổng phía đường Đỗ Mười)"
)


def details(**overrides) -> EventDetails:
    values = dict(
        uid="session-1-point-7@bridgeops.test",
        sequence=0,
        summary="Tổng duyệt kết nối – Điểm cầu Huyện Nghĩa Hưng",
        starts_at=datetime(2022, 4, 26, 1, 30, tzinfo=UTC),
        ends_at=datetime(2022, 4, 26, 4, 30, tzinfo=UTC),
        timezone="Asia/Ho_Chi_Minh",
        location=LONG_VENUE,
        description='Việc cần làm:\n- Mở đường dẫn và bấm "Đã nhận lịch": '
        "http://bridgeops.test/t/abc\n- Có mặt trước giờ bắt đầu 30 phút; kiểm tra "
        "âm thanh, hình ảnh, đường truyền, máy chiếu; báo kết quả tổng duyệt.",
        organizer_name="Ban Tuyên giáo – CSLP",
        organizer_email="tuyengiao@hoiphunu.test",
        attendees=(("Nguyễn Thị Hoa", "hoa@nghiahung.test"),),
    )
    values.update(overrides)
    return EventDetails(**values)


def test_request_follows_the_wire_rules_with_long_vietnamese_text():
    ics = build_request(details())
    lines = assert_wire_rules(ics, itip=True)
    assert any(line.startswith((b" ",)) for line in physical_lines(ics)), "long text must fold"
    assert "METHOD:REQUEST" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Asia/Ho_Chi_Minh" in lines
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20220426T083000" in lines
    assert "DTEND;TZID=Asia/Ho_Chi_Minh:20220426T113000" in lines
    assert "SEQUENCE:0" in lines and "STATUS:CONFIRMED" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert "BEGIN:VALARM" in lines and "TRIGGER:-PT1H" in lines


def test_request_names_organizer_and_attendee_with_rsvp():
    calendar = icalendar.Calendar.from_ical(build_request(details()))
    event = calendar.events[0]
    assert str(event["ORGANIZER"]) == "mailto:tuyengiao@hoiphunu.test"
    assert event["ORGANIZER"].params["CN"] == "Ban Tuyên giáo – CSLP"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:hoa@nghiahung.test"
    assert attendee.params["RSVP"] == "TRUE" and attendee.params["CN"] == "Nguyễn Thị Hoa"
    assert event["LOCATION"] == LONG_VENUE
    assert "http://bridgeops.test/t/abc" in event["DESCRIPTION"]


def test_cancel_carries_status_cancelled_and_the_higher_sequence():
    ics = build_cancel(details(sequence=3))
    lines = assert_wire_rules(ics, itip=True)
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines and "SEQUENCE:3" in lines
    assert "BEGIN:VALARM" not in lines
    assert "UID:session-1-point-7@bridgeops.test" in lines


@pytest.mark.parametrize("build", [build_request, build_cancel])
def test_vobject_reads_the_same_event(build):
    parsed = vobject.readOne(build(details(sequence=2)).decode("utf-8"))
    event = parsed.vevent
    assert event.uid.value == "session-1-point-7@bridgeops.test"
    assert int(event.sequence.value) == 2
    assert event.location.value == LONG_VENUE
    assert event.dtstart.value == datetime(2022, 4, 26, 1, 30, tzinfo=UTC)
    assert event.dtstart.value.utcoffset().total_seconds() == 7 * 3600
    assert event.summary.value == "Tổng duyệt kết nối – Điểm cầu Huyện Nghĩa Hưng"


def test_feed_has_name_refresh_interval_and_ttl_and_many_events():
    events = [details(uid=f"session-{n}-point-7@bridgeops.test") for n in range(1, 5)]
    ics = build_feed("Điểm cầu Huyện Nghĩa Hưng – lịch hội nghị", events, "Asia/Ho_Chi_Minh")
    lines = assert_wire_rules(ics, itip=False)
    assert "X-WR-CALNAME:Điểm cầu Huyện Nghĩa Hưng – lịch hội nghị" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert not any(line.startswith("METHOD:") for line in lines)
    assert lines.count("BEGIN:VTIMEZONE") == 1
    calendar = icalendar.Calendar.from_ical(ics)
    assert [str(e["UID"]) for e in calendar.events] == [e.uid for e in events]
    assert len(list(vobject.readOne(ics.decode()).vevent_list)) == 4


def test_the_wire_check_catches_a_split_character_and_a_missing_vtimezone():
    good = build_request(details())
    with pytest.raises(UnicodeDecodeError):
        assert_wire_rules(b"SUMMARY:T\xe1\xbb\r\n \x95ng\r\n", itip=False)
    broken = good.replace(b"BEGIN:VTIMEZONE", b"BEGIN:X-GONE").replace(b"END:VTIMEZONE", b"END:X-GONE")
    broken = broken.replace(b"TZID:Asia/Ho_Chi_Minh\r\n", b"")
    with pytest.raises(AssertionError, match="TZID without VTIMEZONE"):
        assert_wire_rules(broken, itip=True)
    with pytest.raises(AssertionError, match="CRLF"):
        assert_wire_rules(good.replace(b"\r\n", b"\n"), itip=True)


# The invites of one shape are written from a template icalendar builds once
# (builders._itip_template); each must be byte for byte what icalendar writes for it alone.
TRICKY = st.text(
    alphabet=st.sampled_from(list("aZ09 .:;,\\^\"'’=\n\t/@-–·") + list("ĐđệỹữáàảãạƯ🙂")), max_size=220
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    method=st.sampled_from(["REQUEST", "CANCEL"]),
    uid=TRICKY.filter(bool),
    sequence=st.integers(0, 10**6),
    summary=TRICKY,
    location=TRICKY,
    description=TRICKY,
    url=st.sampled_from(["", "http://bridgeops.test/t/abc", "https://x.test/t/" + "a" * 90]),
    name=TRICKY,
    organizer=TRICKY.filter(bool),
    zone=st.sampled_from(["Asia/Ho_Chi_Minh", "Europe/Paris", "America/New_York"]),
    stamp=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2037, 1, 1)),
    utc=st.sampled_from([UTC, ZoneInfo("UTC")]),
    cancelled=st.booleans(),
)
def test_an_invite_from_the_template_is_what_icalendar_writes(
    method, uid, sequence, summary, location, description, url, name, organizer, zone, stamp, utc, cancelled
):
    event = details(
        uid=uid,
        sequence=sequence,
        summary=summary,
        location=location,
        description=description,
        url=url,
        attendees=((name, "hoa@nghiahung.test"),),
        organizer_name=organizer,
        timezone=zone,
        dtstamp=stamp.replace(tzinfo=utc),
        cancelled=cancelled,
    )
    assert builders._itip(method, event) == builders._itip_with_icalendar(method, event)


@pytest.mark.parametrize("width", range(0, 160, 3))
def test_folding_at_every_offset_matches_icalendar(width):
    """An escape or a multi-byte character at each position around the 75-octet folds."""
    text = "a" * width + ",;\\\n^" + "ệ" * width + "🙂" + "x" * (width % 7)
    event = details(
        summary=text, description=text * 2, location=text[::-1], dtstamp=datetime(2022, 4, 1, tzinfo=UTC)
    )
    for method in ("REQUEST", "CANCEL"):
        ics = builders._itip(method, event)
        assert ics == builders._itip_with_icalendar(method, event)
        assert_wire_rules(ics, itip=True)


def test_what_the_template_does_not_know_is_written_by_icalendar():
    local_stamp = details(dtstamp=datetime(2022, 4, 1, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    two = details(attendees=(("A", "a@x.test"), ("B", "b@x.test")), dtstamp=datetime(2022, 4, 1, tzinfo=UTC))
    for event in (local_stamp, two):
        assert builders._itip("REQUEST", event) == builders._itip_with_icalendar("REQUEST", event)
    assert icalendar.Calendar.from_ical(build_request(two)).events[0]["ATTENDEE"][1] == "mailto:b@x.test"
    fresh = build_request(details())  # no DTSTAMP given: now, in UTC
    stamp = icalendar.Calendar.from_ical(fresh).events[0].decoded("dtstamp")
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=5)
