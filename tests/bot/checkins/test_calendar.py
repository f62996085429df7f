"""Round dates: Amsterdam wall clock across summer time, weekends and Dutch holidays skipped,
windows and reminders in working days."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.checkins.calendar import (
    Cadence,
    add_working_days,
    default_first_opening,
    is_working_day,
    latest_due_index,
    round_dates,
)

ZONE = ZoneInfo("Europe/Amsterdam")
DAYS = {"open_days": 10, "remind_days_before_close": 3}


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def test_a_round_due_on_a_weekend_or_holiday_opens_the_next_working_day():
    first = datetime(2027, 1, 27, 9, 0, tzinfo=ZONE)  # a Wednesday
    march = round_dates(cadence=Cadence.MONTHLY, first_opens_at=first, index=2, zone=ZONE,
                        **DAYS)
    april = round_dates(cadence=Cadence.MONTHLY, first_opens_at=first, index=3, zone=ZONE,
                        **DAYS)
    # 27 March 2027 is a Saturday, 28 March Easter Sunday, 29 March Easter Monday.
    assert march.period == "2027-03" and local(march.opens_at).date() == date(2027, 3, 30)
    assert april.period == "2027-04"  # 27 April is King's Day
    assert local(april.opens_at).date() == date(2027, 4, 28)
    assert not is_working_day(date(2027, 4, 27)) and not is_working_day(date(2027, 12, 25))


def test_windows_count_working_days_and_skip_holidays():
    # 10 working days from Friday 17 December 2027 skip two weekends, Christmas (Sat/Sun),
    # and New Year's Day (Saturday).
    assert add_working_days(date(2027, 12, 17), 10) == date(2027, 12, 31)
    assert add_working_days(date(2027, 12, 31), -3) == date(2027, 12, 28)


def test_nine_oclock_stays_nine_oclock_into_and_out_of_summer_time():
    into = round_dates(cadence=Cadence.MONTHLY, first_opens_at=datetime(
        2027, 3, 24, 9, 0, tzinfo=ZONE), index=0, zone=ZONE, **DAYS)
    assert into.opens_at == datetime(2027, 3, 24, 8, 0, tzinfo=UTC)   # CET
    # Summer time starts 28 March; Good Friday and Easter Monday are skipped.
    assert into.closes_at == datetime(2027, 4, 9, 7, 0, tzinfo=UTC)   # CEST: still 09:00
    out = round_dates(cadence=Cadence.MONTHLY, first_opens_at=datetime(
        2027, 10, 25, 9, 0, tzinfo=ZONE), index=0, zone=ZONE, **DAYS)
    assert out.opens_at == datetime(2027, 10, 25, 7, 0, tzinfo=UTC)
    assert out.closes_at == datetime(2027, 11, 8, 8, 0, tzinfo=UTC)
    for moment in (into.opens_at, into.remind_at, into.closes_at, out.opens_at, out.closes_at):
        assert local(moment).hour == 9
    quarterly = [round_dates(cadence=Cadence.QUARTERLY, first_opens_at=datetime(
        2027, 1, 4, 9, 0, tzinfo=ZONE), index=i, zone=ZONE, **DAYS) for i in range(4)]
    assert [local(r.opens_at).hour for r in quarterly] == [9, 9, 9, 9]
    assert [r.period for r in quarterly] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]


def test_latest_due_round_and_default_first_opening():
    first = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    due = dict(cadence=Cadence.QUARTERLY, first_opens_at=first, zone=ZONE, **DAYS)
    assert latest_due_index(now=datetime(2027, 1, 4, 7, 59, tzinfo=UTC), **due) is None
    assert latest_due_index(now=first, **due) == 0
    assert latest_due_index(now=datetime(2027, 8, 1, tzinfo=UTC), **due) == 2
    # Friday evening: the next working day is Monday, at 09:00 Amsterdam time.
    opening = default_first_opening(datetime(2027, 1, 8, 20, 0, tzinfo=UTC), ZONE)
    assert local(opening) == datetime(2027, 1, 11, 9, 0, tzinfo=ZONE)
