"""What a coordinator does with schedules and rounds besides creating them: pause, resume,
delete, an overview, and the CSV export of a closed round."""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkins.models import CheckinRound, CheckinSchedule, RoundState, as_utc
from bot.checkins.questions import load_form
from bot.checkins.report import answers_of
from bot.checkins.results import export_csv
from bot.checkins.rounds import open_round, topic_of
from bot.checkins.schedules import find_schedule, list_schedules
from bot.deps import Services
from bot.identity import ChannelRef, Person
from bot.outbox.models import Kind
from bot.outbox.queue import enqueue


async def set_paused(services: Services, schedule_id: int, paused: bool, *, by: Person
                     ) -> CheckinSchedule | None:
    return await _change_schedule(services, schedule_id, by=by, paused=paused)


async def delete_schedule(services: Services, schedule_id: int, *, by: Person
                          ) -> CheckinSchedule | None:
    """Marks the schedule deleted; rounds, answers and actions stay (nothing stored is lost)."""
    return await _change_schedule(services, schedule_id, by=by, deleted=True)


async def _change_schedule(services: Services, schedule_id: int, *, by: Person,
                           **changes: bool) -> CheckinSchedule | None:
    """Sets `changes` on a schedule of the person's workspace; None when there is none."""
    async with services.sessions() as session:
        schedule = await find_schedule(session, schedule_id, workspace=by)
        if schedule is None:
            return None
        for name, value in changes.items():
            setattr(schedule, name, value)
        session.add(schedule)
        await session.commit()
        return schedule


async def overview(session: AsyncSession, *, platform: str, workspace_id: str
                   ) -> list[tuple[CheckinSchedule, dict | None]]:
    """Every schedule of a workspace with its open round (period, closes_at, id), if any."""
    listed = []
    for schedule in await list_schedules(session, platform=platform, workspace_id=workspace_id):
        current = await open_round(session, schedule.id or 0)
        listed.append((schedule, None if current is None else {
            "id": current.id, "period": current.period,
            "closes_at": as_utc(current.closes_at).isoformat()}))
    return listed


async def request_export(services: Services, round_id: int, *, by: Person, now: datetime
                         ) -> CheckinRound | None:
    """Sends the CSV of a round to the coordinator's DMs (per respondent only when named)."""
    async with services.sessions() as session:
        checkin_round = await session.get(CheckinRound, round_id)
        schedule = (await session.get(CheckinSchedule, checkin_round.schedule_id)
                    if checkin_round else None)
        if checkin_round is None or schedule is None or (
                schedule.platform, schedule.workspace_id) != (by.platform, by.workspace_id):
            return None
        form = load_form(services.settings.content_dir)
        responses = await answers_of(session, round_id)
        # An open anonymous round shows nothing yet: averages would change with each answer.
        if checkin_round.anonymous and checkin_round.state == RoundState.OPEN:
            responses = []
        csv = export_csv(form, period=checkin_round.period, anonymous=checkin_round.anonymous,
                         min_group=checkin_round.min_group, responses=responses)
        await enqueue(session, key=f"checkin:export:{round_id}:{by.user_id}:{now.timestamp()}",
                      target=ChannelRef.direct(by), template="checkin.export",
                      kind=Kind.UPLOAD, data={"csv": csv, "period": checkin_round.period},
                      topic=topic_of(round_id), language=schedule.language,
                      not_before=now)
        await session.commit()
    services.outbox.wake()
    return checkin_round
