"""When rounds open, remind and close: cadence periods counted from the first opening in
Europe/Amsterdam wall-clock time (09:00 stays 09:00 across summer time), moved past weekends
and Dutch public holidays; windows and reminders counted in working days."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


class Cadence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half-yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "half-yearly": 6}[self.value]


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first one after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after (negative: before) `day`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def period_label(cadence: Cadence, day: date) -> str:
    """'2026-03', '2026-Q1', '2026-H1': the period a nominal opening date falls in."""
    if cadence is Cadence.MONTHLY:
        return f"{day.year}-{day.month:02d}"
    if cadence is Cadence.QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-H{(day.month - 1) // 6 + 1}"


@dataclass(frozen=True)
class RoundDates:
    index: int
    period: str
    opens_at: datetime  # UTC
    remind_at: datetime
    closes_at: datetime


def window(opens_local: datetime, *, open_days: int, remind_days_before_close: int,
           zone: ZoneInfo) -> tuple[datetime, datetime]:
    """(remind_at, closes_at) in UTC for a round opening at a local time."""
    wall = opens_local.time().replace(tzinfo=None)
    closes_day = add_working_days(opens_local.date(), open_days)
    remind_day = add_working_days(closes_day, -remind_days_before_close)
    return _at(remind_day, wall, zone), _at(closes_day, wall, zone)


def round_dates(*, cadence: Cadence, first_opens_at: datetime, index: int, open_days: int,
                remind_days_before_close: int, zone: ZoneInfo) -> RoundDates:
    """The `index`-th round (0 = the first) of a schedule."""
    first_local = first_opens_at.astimezone(zone)
    nominal = _add_months(first_local.date(), cadence.months * index)
    wall = first_local.time().replace(tzinfo=None)
    opens_day = next_working_day(nominal)
    opens_local = datetime.combine(opens_day, wall, tzinfo=zone)
    remind_at, closes_at = window(opens_local, open_days=open_days,
                                  remind_days_before_close=remind_days_before_close, zone=zone)
    return RoundDates(index, period_label(cadence, nominal), opens_local.astimezone(UTC),
                      remind_at, closes_at)


def latest_due_index(*, cadence: Cadence, first_opens_at: datetime, now: datetime,
                     zone: ZoneInfo, **window_days: int) -> int | None:
    """The last round whose opening time has come, or None before the first."""
    first = round_dates(cadence=cadence, first_opens_at=first_opens_at, index=0, zone=zone,
                        **window_days)
    if first.opens_at > now:
        return None
    local_now = now.astimezone(zone)
    first_local = first_opens_at.astimezone(zone)
    months = (local_now.year - first_local.year) * 12 + local_now.month - first_local.month
    index = max(0, months // cadence.months + 1)
    while index > 0 and round_dates(cadence=cadence, first_opens_at=first_opens_at,
                                    index=index, zone=zone, **window_days).opens_at > now:
        index -= 1
    return index


def default_first_opening(now: datetime, zone: ZoneInfo) -> datetime:
    """The next working day at 09:00 local time (UTC)."""
    day = next_working_day(now.astimezone(zone).date() + timedelta(days=1))
    return _at(day, time(9, 0), zone)
