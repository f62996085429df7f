"""Calendar files (.ics) for a session: one stable UID per session, SEQUENCE from the
session's revision, METHOD REQUEST for an invitation or change, CANCEL when it is off."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

PRODID = "-//Convenantbot//Bijeenkomsten//NL"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def session_uid(session_id: int, domain: str = "convenantbot") -> str:
    """The same for every file about a session, so calendar apps update one event."""
    return f"meeting-session-{session_id}@{domain}"


def session_ics(*, session_id: int, title: str, description: str, location: str,
                starts_at: datetime, ends_at: datetime, sequence: int, zone: ZoneInfo,
                method: str = REQUEST, stamp: datetime) -> bytes:
    """The .ics for one session in the partnership's time zone (with its VTIMEZONE)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    # Only the transitions around the session: a small VTIMEZONE every client reads.
    calendar.add_component(Timezone.from_tzinfo(
        zone, first_date=(starts_at - timedelta(days=366)).date(),
        last_date=(ends_at + timedelta(days=366)).date()))
    event = Event()
    event.add("uid", session_uid(session_id))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at.astimezone(zone))
    event.add("dtend", ends_at.astimezone(zone))
    event.add("summary", title)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
