"""Pure builders of iCalendar bytes: iTIP invites (REQUEST, CANCEL) and subscribable feeds.

Times carry TZID with the zone's VTIMEZONE, never floating; icalendar writes CRLF line ends and
folds at 75 octets without splitting a UTF-8 character.

An iTIP mail goes to each of a session's ~17,000 technicians, and icalendar takes most of a
millisecond to build and fold one. The invites of one session differ only in a few properties
(UID, SEQUENCE, DTSTAMP, SUMMARY, LOCATION, DESCRIPTION, URL, the attendee), so icalendar
builds the calendar once per shape with stand-ins for those (``_itip_template``), and each
invite fills in its own values, escaped by icalendar's own value and parameter types, and folds
the lines that changed with ``_fold`` (icalendar's rule, on bytes). The result is byte for byte
what icalendar writes (tests/invites/test_builders.py compares them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Parameters, Timezone, vCalAddress, vDDDTypes, vText

PRODID = "-//BridgeOps//Hoi nghi truyen hinh//VI"
#: How long before the start the calendar reminds the technician.
ALARM_BEFORE = timedelta(minutes=60)
#: How often subscribed clients should refetch a feed.
FEED_REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class EventDetails:
    """Everything one VEVENT says; built by the invites service from a session and a point."""

    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    description: str
    organizer_name: str
    organizer_email: str
    attendees: tuple[tuple[str, str], ...] = ()  # (name, email)
    url: str = ""
    cancelled: bool = False
    dtstamp: datetime | None = None


def build_request(event: EventDetails) -> bytes:
    """iTIP METHOD:REQUEST for one event (a new invite or an update with a higher SEQUENCE)."""
    return _itip("REQUEST", event)


def build_cancel(event: EventDetails) -> bytes:
    """iTIP METHOD:CANCEL with STATUS:CANCELLED; ``event.sequence`` must exceed the last sent."""
    return _itip("CANCEL", event)


def build_feed(name: str, events: Iterable[EventDetails], timezone: str, description: str = "") -> bytes:
    """A subscribable VCALENDAR (no METHOD) holding many events."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("x-wr-timezone", timezone)
    if description:
        calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vText("PT1H"))
    for event in events:
        calendar.add_component(_event(event, with_alarm=not event.cancelled))
    _add_timezones(calendar)
    return calendar.to_ical()


def _itip(method: str, event: EventDetails) -> bytes:
    cancelled = method == "CANCEL" or event.cancelled
    dtstamp = event.dtstamp or datetime.now(ZoneInfo("UTC"))
    if len(event.attendees) != 1 or dtstamp.utcoffset() != timedelta(0):
        return _itip_with_icalendar(method, event)  # not the one shape the template knows
    (name, email), summary = event.attendees[0], event.summary
    values = {
        _UID: _text(event.uid),
        _SEQUENCE: str(int(event.sequence)),
        _DTSTAMP: vDDDTypes(dtstamp).to_ical().decode("ascii"),
        _SUMMARY: _text(summary),
        _LOCATION: _text(event.location),
        _DESCRIPTION: _text(event.description),
        _URL: event.url,
        _CN: Parameters({"CN": vText(name)}).to_ical().decode("utf-8")[len("CN=") :],
        _EMAIL: email,
    }
    template = _itip_template(
        method,
        cancelled,
        event.starts_at,
        event.ends_at,
        event.timezone,
        event.organizer_name,
        event.organizer_email,
        bool(event.url),
    )
    lines = [
        line if isinstance(line, bytes) else _fold("".join([values.get(part, part) for part in line]))
        for line in template
    ]
    return b"\r\n".join(lines) + b"\r\n"


# Stand-ins for what differs between the invites of one shape: plain ASCII that no escaping,
# quoting or folding changes, and that no other property of the template contains.
_UID, _SEQUENCE, _DTSTAMP = "XQUIDQX", "918273645", "19010203T040506Z"
_SUMMARY, _LOCATION, _DESCRIPTION, _URL = "XQSUMMARYQX", "XQLOCATIONQX", "XQDESCRIPTIONQX", "XQURLQX"
_CN, _EMAIL = "XQCNQX", "XQEMAILQX"
_SLOTS = re.compile(
    "|".join([_UID, _SEQUENCE, _DTSTAMP, _SUMMARY, _LOCATION, _DESCRIPTION, _URL, _CN, _EMAIL])
)


@lru_cache(maxsize=64)
def _itip_template(
    method: str,
    cancelled: bool,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    organizer_name: str,
    organizer_email: str,
    has_url: bool,
) -> tuple[bytes | tuple[str, ...], ...]:
    """The calendar of one shape as icalendar writes it, with stand-ins: a line without one as
    its folded bytes, a line with some as its parts (stand-ins and the text between them)."""
    event = EventDetails(
        uid=_UID,
        sequence=int(_SEQUENCE),
        summary=_SUMMARY,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        location=_LOCATION,
        description=_DESCRIPTION,
        organizer_name=organizer_name,
        organizer_email=organizer_email,
        attendees=((_CN, _EMAIL),),
        url=_URL if has_url else "",
        cancelled=cancelled,
        dtstamp=datetime.strptime(_DTSTAMP, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC")),
    )
    template: list[bytes | tuple[str, ...]] = []
    for line in _itip_calendar(method, event).content_lines():
        if not line:
            continue
        if _SLOTS.search(line):
            template.append(tuple(part for part in re.split(f"({_SLOTS.pattern})", str(line)) if part))
        else:
            template.append(line.to_ical())
    return tuple(template)


def _text(value: str) -> str:
    """A TEXT value escaped as icalendar escapes it."""
    return vText(value).to_ical().decode("utf-8")


def _fold(line: str) -> bytes:
    """icalendar's folding (``icalendar.parser.string._foldline``) on the UTF-8 bytes: at most
    74 octets a line, never inside a character, and a backslash or caret that would end a line
    starts the next one instead (so no escape is split)."""
    data = line.encode("utf-8")
    if len(data) < 75:
        return data
    pieces, start = [], 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the character's start
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


def _itip_with_icalendar(method: str, event: EventDetails) -> bytes:
    """The iTIP calendar built and written by icalendar alone (what ``_itip`` reproduces)."""
    return _itip_calendar(method, event).to_ical()


def _itip_calendar(method: str, event: EventDetails) -> Calendar:
    calendar = _calendar()
    calendar.add("method", method)
    cancelled = method == "CANCEL" or event.cancelled
    calendar.add_component(_event(event, with_alarm=not cancelled, cancelled=cancelled))
    _add_timezones(calendar)
    return calendar


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(details: EventDetails, *, with_alarm: bool, cancelled: bool | None = None) -> Event:
    cancelled = details.cancelled if cancelled is None else cancelled
    zone = ZoneInfo(details.timezone)
    event = Event()
    event.add("uid", details.uid)
    event.add("sequence", details.sequence)
    event.add("dtstamp", details.dtstamp or datetime.now(ZoneInfo("UTC")))
    event.add("dtstart", details.starts_at.astimezone(zone))
    event.add("dtend", details.ends_at.astimezone(zone))
    event.add("summary", details.summary)
    event.add("location", details.location)
    event.add("description", details.description)
    if details.url:
        event.add("url", details.url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("class", "PUBLIC")
    organizer = vCalAddress(f"mailto:{details.organizer_email}")
    organizer.params["CN"] = vText(details.organizer_name)
    event.add("organizer", organizer)
    for name, email in details.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["CN"] = vText(name)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["RSVP"] = vText("TRUE")
        event.add("attendee", attendee)
    if with_alarm:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Nhắc lịch: {details.summary}")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    return event


def _add_timezones(calendar: Calendar) -> None:
    """A VTIMEZONE for every TZID used (the zone's rules are cached, they are costly to build)."""
    for tzid in sorted(calendar.get_missing_tzids()):
        calendar.subcomponents.insert(0, _vtimezone(tzid))


@lru_cache(maxsize=16)
def _vtimezone(tzid: str) -> Timezone:
    # Shared between calendars: only ever serialised, never changed.
    return Timezone.from_tzid(tzid, first_date=date(2000, 1, 1), last_date=date(2038, 1, 1))
