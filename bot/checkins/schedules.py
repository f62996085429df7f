"""Check-in schedules: validated with Dutch field errors, created, changed, paused, deleted."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkins.calendar import Cadence, round_dates
from bot.checkins.models import CheckinSchedule
from bot.checkins.texts import text
from bot.deps import Services
from bot.identity import ChannelRef, Person

DEFAULT_OPEN_DAYS = 10
DEFAULT_REMIND_DAYS = 3
DEFAULT_MIN_GROUP = 3

@dataclass(frozen=True)
class ScheduleInput:
    """What a coordinator chose in the form; field names are the error keys."""

    channel: ChannelRef
    first_opens_at: datetime
    cadence: Cadence = Cadence.QUARTERLY
    open_days: int = DEFAULT_OPEN_DAYS
    remind_days_before_close: int = DEFAULT_REMIND_DAYS
    anonymous: bool = False
    min_group: int = DEFAULT_MIN_GROUP

def input_problems(values: ScheduleInput, *, zone: ZoneInfo, now: datetime,
                   language: str = "nl", is_new: bool = True) -> dict[str, str]:
    """Field -> what is wrong, in the user's language; empty when the schedule can be kept."""
    problems: dict[str, str] = {}
    if not values.channel.channel_id:
        problems["channel"] = text("err_channel", language)
    if is_new and values.first_opens_at <= now:
        problems["first_opens_at"] = text("err_first_in_past", language)
    if values.min_group < 1:
        problems["min_group"] = text("err_min_group", language)
    if values.open_days < 1:
        problems["open_days"] = text("err_open_days", language)
    elif _window_longer_than_cadence(values, zone):
        problems["open_days"] = text("err_window_too_long", language, days=values.open_days,
                                     cadence=text(f"cadence_{values.cadence}", language))
    if not 1 <= values.remind_days_before_close < max(values.open_days, 1):
        problems["remind_days_before_close"] = text(
            "err_remind_outside_window", language, most=max(values.open_days - 1, 0))
    return problems

def _window_longer_than_cadence(values: ScheduleInput, zone: ZoneInfo) -> bool:
    """True when some round of the next two years would still be open at the next opening."""
    days = dict(open_days=values.open_days,
                remind_days_before_close=min(values.remind_days_before_close,
                                             values.open_days - 1) if values.open_days > 1 else 0)
    rounds = [round_dates(cadence=values.cadence, first_opens_at=values.first_opens_at,
                          index=index, zone=zone, **days)
              for index in range(24 // values.cadence.months + 1)]
    return any(this.closes_at > following.opens_at
               for this, following in zip(rounds, rounds[1:], strict=False))

async def channel_problem(services: Services, channel: ChannelRef, language: str) -> str | None:
    """Why the bot cannot run check-ins in `channel`, or None (asked of the platform)."""
    directory = services.directory(channel.platform)
    if directory is None or await directory.bot_is_member(channel):
        return None
    return text("err_bot_not_in_channel", language)

async def create_schedule(session: AsyncSession, values: ScheduleInput, *, by: Person,
                          language: str = "nl") -> CheckinSchedule:
    schedule = CheckinSchedule(
        platform=values.channel.platform, workspace_id=values.channel.workspace_id,
        channel_id=values.channel.channel_id, cadence=str(values.cadence),
        first_opens_at=values.first_opens_at, open_days=values.open_days,
        remind_days_before_close=values.remind_days_before_close, anonymous=values.anonymous,
        min_group=values.min_group, language=language, created_by=by.user_id)
    session.add(schedule)
    await session.flush()
    return schedule

def input_of(schedule: CheckinSchedule) -> ScheduleInput:
    from bot.checkins.models import as_utc

    return ScheduleInput(channel=schedule.channel, first_opens_at=as_utc(schedule.first_opens_at),
                         cadence=Cadence(schedule.cadence), open_days=schedule.open_days,
                         remind_days_before_close=schedule.remind_days_before_close,
                         anonymous=schedule.anonymous, min_group=schedule.min_group)

def apply_input(schedule: CheckinSchedule, values: ScheduleInput) -> None:
    schedule.cadence = str(values.cadence)
    schedule.first_opens_at = values.first_opens_at
    schedule.open_days = values.open_days
    schedule.remind_days_before_close = values.remind_days_before_close
    schedule.anonymous = values.anonymous
    schedule.min_group = values.min_group

async def find_schedule(session: AsyncSession, schedule_id: int, *, workspace: Person | None = None
                        ) -> CheckinSchedule | None:
    """A schedule that is not deleted (and, given a person, of their workspace)."""
    schedule = await session.get(CheckinSchedule, schedule_id)
    if schedule is None or schedule.deleted:
        return None
    if workspace is not None and (schedule.platform, schedule.workspace_id) != (
            workspace.platform, workspace.workspace_id):
        return None
    return schedule

async def list_schedules(session: AsyncSession, *, platform: str, workspace_id: str
                         ) -> list[CheckinSchedule]:
    rows = await session.exec(
        select(CheckinSchedule).where(col(CheckinSchedule.platform) == platform,
                                      col(CheckinSchedule.workspace_id) == workspace_id,
                                      col(CheckinSchedule.deleted).is_(False))
        .order_by(col(CheckinSchedule.id)))
    return list(rows)

async def active_schedules(session: AsyncSession) -> list[CheckinSchedule]:
    rows = await session.exec(
        select(CheckinSchedule).where(col(CheckinSchedule.deleted).is_(False),
                                      col(CheckinSchedule.paused).is_(False))
        .order_by(col(CheckinSchedule.id)))
    return list(rows)

