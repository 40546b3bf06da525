"""Pure builders of iCalendar bytes: iTIP invites (REQUEST, CANCEL) and subscribable feeds.

Times carry TZID with the zone's VTIMEZONE, never floating; icalendar writes CRLF line ends and
folds at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText

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
    calendar = _calendar()
    calendar.add("method", method)
    cancelled = method == "CANCEL" or event.cancelled
    calendar.add_component(_event(event, with_alarm=not cancelled, cancelled=cancelled))
    _add_timezones(calendar)
    return calendar.to_ical()


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
