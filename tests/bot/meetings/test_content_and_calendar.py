"""content/meetings is checked with file:line problems; the .ics files read back."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from bot.meetings.calendar import CANCEL, session_ics, session_uid
from bot.meetings.content import OTHER_ROLE, check_meetings, load_meeting_defaults
from tests.conftest import CONTENT


def test_the_seed_defaults_load_with_anders_as_a_role():
    defaults = load_meeting_defaults(CONTENT)
    assert "Presentatie over het convenant" in defaults.agenda
    assert "naambordjes" in defaults.practical
    assert defaults.role_choices[-1] == OTHER_ROLE
    assert "assetmanager" in defaults.role_choices
    assert defaults.reminder_days == [7, 1]


def test_bad_meeting_content_names_file_and_line(tmp_path: Path):
    (tmp_path / "meetings").mkdir()
    (tmp_path / "meetings" / "meetings.yaml").write_text(
        "agenda: a\npractical: b\nroles: []\nreminder_days: [0]\n", encoding="utf-8")
    problems = [str(p) for p in check_meetings(tmp_path)]
    assert any("meetings.yaml:3: roles" in p for p in problems)
    assert any("meetings.yaml:4: reminder_days" in p for p in problems)
    assert "missing" in str(check_meetings(tmp_path / "nowhere")[0])


def _event(raw: bytes):
    calendar = icalendar.Calendar.from_ical(raw)
    return calendar, calendar.walk("VEVENT")[0]


def test_ics_has_timezone_stable_uid_sequence_and_cancel():
    zone = ZoneInfo("Europe/Amsterdam")
    start = datetime(2026, 6, 10, 7, 30, tzinfo=UTC)  # 09:30 in summer time
    common = dict(session_id=7, title="Kennismaking", description="Over het convenant",
                  location="Stadhuis", starts_at=start, ends_at=start + timedelta(hours=2),
                  zone=zone, stamp=start)
    first, event = _event(session_ics(sequence=0, **common))
    assert first["METHOD"] == "REQUEST"
    (timezone,) = first.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Amsterdam"
    assert event["UID"] == session_uid(7)
    assert event.decoded("DTSTART") == start.astimezone(zone)
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("DTSTART").hour == 9
    changed, event2 = _event(session_ics(sequence=1, **common))
    assert event2["UID"] == event["UID"] and event2["SEQUENCE"] == 1
    cancelled, event3 = _event(session_ics(sequence=2, method=CANCEL, **common))
    assert cancelled["METHOD"] == "CANCEL" and event3["STATUS"] == "CANCELLED"
    assert event3["UID"] == event["UID"]
