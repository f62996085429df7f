"""What the outbox renders at send time, by template: the prompt with the open actions of
earlier rounds as they are now, the reminder (dropped once the round closed), the chart."""

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkins.chart import conditions_chart
from bot.checkins.models import CheckinRound, CheckinSchedule, RoundState, as_utc
from bot.checkins.texts import text
from bot.outbox.sender import ViewLoader


def round_view(checkin_round: CheckinRound, schedule: CheckinSchedule) -> dict:
    return {"round_id": checkin_round.id, "period": checkin_round.period,
            "schedule_id": schedule.id, "channel_id": schedule.channel_id,
            "anonymous": checkin_round.anonymous,
            "closes_at": as_utc(checkin_round.closes_at).isoformat(),
            "open": checkin_round.state == RoundState.OPEN}


async def _round(session: AsyncSession, data: dict
                 ) -> tuple[CheckinRound, CheckinSchedule] | None:
    checkin_round = await session.get(CheckinRound, int(data.get("round_id") or 0))
    if checkin_round is None:
        return None
    schedule = await session.get(CheckinSchedule, checkin_round.schedule_id)
    if schedule is None or schedule.deleted:
        return None
    return checkin_round, schedule


async def load_prompt(session: AsyncSession, data: dict) -> dict | None:
    from bot.checkins.rounds import open_actions_before

    found = await _round(session, data)
    if found is None:
        return None
    checkin_round, schedule = found
    actions = [{"id": a.id, "what": a.what, "owner": a.owner,
                "due_on": a.due_on.isoformat() if a.due_on else None}
               for a in await open_actions_before(session, checkin_round)]
    return {**data, **round_view(checkin_round, schedule), "actions": actions}


async def load_reminder(session: AsyncSession, data: dict) -> dict | None:
    found = await _round(session, data)
    if found is None or found[0].state != RoundState.OPEN:
        return None  # closed before the reminder could go: it would only confuse
    return {**data, **round_view(*found)}


async def load_chart(session: AsyncSession, data: dict) -> dict | None:
    language = data.get("language", "nl")
    # In a worker thread: drawing is CPU work the event loop's acks should not wait for.
    png = await asyncio.to_thread(
        conditions_chart, data["periods"], data["series"], data["labels"],
        title=text("chart_title", language, period=data["period"]),
        y_label=text("chart_axis", language))
    return {**data, "png": png, "filename": f"checkin-{data['period']}.png"}


def checkin_views() -> dict[str, ViewLoader]:
    return {"checkin.prompt": load_prompt, "checkin.reminder": load_reminder,
            "checkin.chart": load_chart}
