"""A CalDAV server (Radicale on loopback) accepts our invites and feeds and gives them back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import icalendar
import pytest
import requests
import sqlalchemy as sa
from radicale import Application, config

from bridgeops.invites import links
from bridgeops.mail.models import OutboxMessage
from tests.invites.test_invite_mail import calendar_of
from tests.smtp_server import Received


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def caldav(tmp_path) -> Iterator[str]:
    """Radicale's WSGI app behind a real HTTP server on 127.0.0.1, an ephemeral port."""
    configuration = config.load()
    configuration.update(
        {
            "storage": {"filesystem_folder": str(tmp_path / "collections")},
            "auth": {"type": "none"},
            "rights": {"type": "authenticated"},
            "logging": {"level": "warning"},
        },
        "test",
        privileged=True,
    )
    server: WSGIServer = make_server("127.0.0.1", 0, Application(configuration), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/ktv/lich/"
    created = requests.request("MKCALENDAR", base, auth=("ktv", "x"), timeout=10)
    assert created.status_code == 201
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def put_and_get(base: str, name: str, ics: bytes) -> bytes:
    url = f"{base}{name}.ics"
    put = requests.put(
        url, data=ics, auth=("ktv", "x"), timeout=10, headers={"Content-Type": "text/calendar; charset=utf-8"}
    )
    assert put.status_code in (201, 204), put.text
    got = requests.get(url, auth=("ktv", "x"), timeout=10)
    assert got.status_code == 200
    return got.content


def test_caldav_server_stores_the_mailed_invite_and_its_update(caldav, demo, three_points):
    mime = db_first_mime("hoa@mylocs.example.vn")
    _method, ics = calendar_of(Received("", [], mime))
    stored = icalendar.Calendar.from_ical(
        put_and_get(caldav, "invite", ics.replace(b"METHOD:REQUEST\r\n", b""))
    )  # a calendar collection stores objects, not iTIP methods
    event = stored.events[0]
    original = icalendar.Calendar.from_ical(ics).events[0]
    assert str(event["UID"]) == str(original["UID"])
    assert event.start == original.start and event.end == original.end
    assert str(event["LOCATION"]) == three_points[0].venue
    assert stored.timezones and stored.timezones[0].tz_name == "Asia/Ho_Chi_Minh"
    # The server reads the times in UTC+7: 08:30–11:30 local is 01:30–04:30Z.
    assert time_range_hits(caldav, "20220426T013000Z", "20220426T020000Z") == 1
    assert time_range_hits(caldav, "20220426T080000Z", "20220426T090000Z") == 0


def time_range_hits(base: str, start: str, end: str) -> int:
    query = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""
    response = requests.request(
        "REPORT",
        base,
        data=query.encode(),
        auth=("ktv", "x"),
        timeout=10,
        headers={"Depth": "1", "Content-Type": "application/xml"},
    )
    assert response.status_code == 207, response.text
    return response.text.count("getetag>") // 2  # each hit: an opening and a closing tag


def test_caldav_server_accepts_the_technician_feed(caldav, client, demo, three_points):
    token = links.technician_token(three_points[0].technicians[0])
    feed = client.get(f"/calendar/{token}.ics").data
    # A CalDAV object resource holds one UID: store each event of the feed on its own.
    calendar = icalendar.Calendar.from_ical(feed)
    for number, event in enumerate(calendar.events):
        single = icalendar.Calendar()
        for key in ("PRODID", "VERSION"):
            single[key] = calendar[key]
        for timezone in calendar.timezones:
            single.add_component(timezone)
        single.add_component(event)
        back = icalendar.Calendar.from_ical(put_and_get(caldav, f"feed-{number}", single.to_ical()))
        assert str(back.events[0]["UID"]) == str(event["UID"])
        assert back.events[0].start == event.start
    listing = requests.request("PROPFIND", caldav, auth=("ktv", "x"), headers={"Depth": "1"}, timeout=10)
    assert listing.status_code == 207
    assert listing.text.count(".ics</") == len(calendar.events) == 4


def db_first_mime(recipient: str) -> bytes:
    from bridgeops.extensions import db
    from bridgeops.mail.service import render

    return render(
        db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
        )
    )
