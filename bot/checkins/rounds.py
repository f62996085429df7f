"""Rounds of a schedule: opening, reminding and closing, each step claimed exactly once
(`claim_step` in the same transaction as its outbox deliveries), so two instances, a restart or
a catch-up after downtime never post twice and never skip a round."""

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkins.calendar import Cadence, latest_due_index, round_dates, window
from bot.checkins.models import (
    CheckinAction,
    CheckinResponse,
    CheckinRound,
    CheckinSchedule,
    RoundState,
    as_utc,
)
from bot.checkins.questions import load_form
from bot.checkins.report import condition_series, round_results
from bot.checkins.schedules import active_schedules
from bot.deps import Services
from bot.identity import ChannelRef
from bot.outbox.models import Kind
from bot.outbox.queue import enqueue
from bot.scheduling import DueJob, claim_step

logger = logging.getLogger(__name__)


def step_key(schedule_id: int, period: str, step: str) -> str:
    return f"checkin:{schedule_id}:{period}:{step}"


def topic_of(round_id: int) -> str:
    return f"checkin:{round_id}"


def _days(schedule: CheckinSchedule) -> dict[str, int]:
    return dict(open_days=schedule.open_days,
                remind_days_before_close=schedule.remind_days_before_close)


async def rounds_of(session: AsyncSession, schedule_id: int) -> list[CheckinRound]:
    rows = await session.exec(select(CheckinRound).where(
        col(CheckinRound.schedule_id) == schedule_id).order_by(col(CheckinRound.opens_at),
                                                               col(CheckinRound.id)))
    return list(rows)


async def previous_round(session: AsyncSession, of: CheckinRound) -> CheckinRound | None:
    earlier = [r for r in await rounds_of(session, of.schedule_id)
               if r.id != of.id and as_utc(r.opens_at) < as_utc(of.opens_at)]
    return earlier[-1] if earlier else None


async def open_round(session: AsyncSession, schedule_id: int) -> CheckinRound | None:
    return (await session.exec(select(CheckinRound).where(
        col(CheckinRound.schedule_id) == schedule_id,
        col(CheckinRound.state) == RoundState.OPEN))).first()


async def _open(services: Services, schedule_id: int, *, period: str, opens_at: datetime,
                remind_at: datetime, closes_at: datetime, now: datetime) -> CheckinRound | None:
    """Opens the round of `period` once; None when it was opened before (here or elsewhere)."""
    async with services.sessions() as session:
        schedule = await session.get(CheckinSchedule, schedule_id)
        if schedule is None or schedule.deleted:
            return None
        if not await claim_step(session, step_key(schedule_id, period, "open")):
            await session.rollback()
            return None
        opened = CheckinRound(schedule_id=schedule_id, period=period, opens_at=opens_at,
                              remind_at=remind_at, closes_at=closes_at,
                              anonymous=schedule.anonymous, min_group=schedule.min_group)
        session.add(opened)
        try:
            await session.flush()
        except IntegrityError:  # a round of this period exists (opened by hand before)
            await session.rollback()
            return None
        assert opened.id is not None
        await enqueue(session, key=step_key(schedule_id, period, "prompt"),
                      target=schedule.channel, template="checkin.prompt",
                      data={"round_id": opened.id, "zone": services.covenant.timezone},
                      topic=topic_of(opened.id), language=schedule.language, not_before=now)
        await session.commit()
    services.outbox.wake()
    return opened


async def open_due_rounds(services: Services, now: datetime) -> int:
    """Opens, per active schedule, the newest round whose time has come, unless it exists.
    A round whose whole window passed while the bot was down opens now, with a fresh window."""
    opened = 0
    async with services.sessions() as session:
        schedules = await active_schedules(session)
        existing = {(r.schedule_id, r.period) for r in await session.exec(select(CheckinRound))}
    zone = services.covenant.zone
    for schedule in schedules:
        assert schedule.id is not None
        cadence, first = Cadence(schedule.cadence), as_utc(schedule.first_opens_at)
        index = latest_due_index(cadence=cadence, first_opens_at=first, now=now, zone=zone,
                                 **_days(schedule))
        if index is None:
            continue
        dates = round_dates(cadence=cadence, first_opens_at=first, index=index, zone=zone,
                            **_days(schedule))
        if (schedule.id, dates.period) in existing:
            continue
        opens_at, remind_at, closes_at = dates.opens_at, dates.remind_at, dates.closes_at
        if closes_at <= now:
            local = now.astimezone(zone).replace(hour=opens_at.astimezone(zone).hour,
                                                 minute=opens_at.astimezone(zone).minute)
            opens_at = now
            remind_at, closes_at = window(local, zone=zone, **_days(schedule))
        if await _open(services, schedule.id, period=dates.period, opens_at=opens_at,
                       remind_at=remind_at, closes_at=closes_at, now=now):
            opened += 1
    return opened


async def start_round_now(services: Services, schedule_id: int, now: datetime
                          ) -> CheckinRound | None:
    """A coordinator opens the next round ahead of its time (None when one is open)."""
    zone = services.covenant.zone
    async with services.sessions() as session:
        schedule = await session.get(CheckinSchedule, schedule_id)
        if schedule is None or schedule.deleted or await open_round(session, schedule_id):
            return None
        periods = {r.period for r in await rounds_of(session, schedule_id)}
    cadence, first = Cadence(schedule.cadence), as_utc(schedule.first_opens_at)
    index = latest_due_index(cadence=cadence, first_opens_at=first, now=now, zone=zone,
                             **_days(schedule))
    index = 0 if index is None else index
    while round_dates(cadence=cadence, first_opens_at=first, index=index, zone=zone,
                      **_days(schedule)).period in periods:
        index += 1
    period = round_dates(cadence=cadence, first_opens_at=first, index=index, zone=zone,
                         **_days(schedule)).period
    remind_at, closes_at = window(now.astimezone(zone), zone=zone, **_days(schedule))
    return await _open(services, schedule_id, period=period, opens_at=now, remind_at=remind_at,
                       closes_at=closes_at, now=now)


async def _members(services: Services, channel: ChannelRef) -> list[str] | None:
    directory = services.directory(channel.platform)
    if directory is None:
        return None
    try:
        return await directory.members(channel)
    except Exception:
        logger.exception("members of %s unknown", channel)
        return None


async def answered_by(session: AsyncSession, round_id: int) -> list[str]:
    rows = await session.exec(select(CheckinResponse.user_id).where(
        col(CheckinResponse.round_id) == round_id).order_by(col(CheckinResponse.user_id)))
    return list(rows)


async def send_reminders(services: Services, round_id: int, now: datetime) -> int | None:
    """DMs every channel member who has not answered, once per round; None when the
    reminders went out before (or the round is closed)."""
    async with services.sessions() as session:
        checkin_round = await session.get(CheckinRound, round_id)
        if checkin_round is None or checkin_round.state != RoundState.OPEN:
            return None
        schedule = await session.get(CheckinSchedule, checkin_round.schedule_id)
    assert schedule is not None
    members = await _members(services, schedule.channel)
    if members is None:
        return None  # try again at the next run: the platform did not answer
    async with services.sessions() as session:
        if not await claim_step(session, step_key(schedule.id or 0, checkin_round.period,
                                                  "remind")):
            await session.rollback()
            return None
        answered = set(await answered_by(session, round_id))
        waiting = [member for member in members if member not in answered]
        for member in waiting:
            await enqueue(session, key=step_key(schedule.id or 0, checkin_round.period,
                                                f"remind:{member}"),
                          target=ChannelRef(schedule.platform, schedule.workspace_id,
                                            user_id=member),
                          template="checkin.reminder",
                          data={"round_id": round_id, "zone": services.covenant.timezone},
                          topic=topic_of(round_id), language=schedule.language,
                          not_before=now)
        row = await session.get(CheckinRound, round_id)
        assert row is not None
        row.reminded = True
        await session.commit()
    services.outbox.wake()
    return len(waiting)


async def close_round(services: Services, round_id: int, now: datetime) -> bool:
    """Closes the round once and posts its results (channel, chart, coordinators)."""
    async with services.sessions() as session:
        checkin_round = await session.get(CheckinRound, round_id)
        if checkin_round is None or checkin_round.state != RoundState.OPEN:
            return False
        schedule = await session.get(CheckinSchedule, checkin_round.schedule_id)
    assert schedule is not None and schedule.id is not None
    members = await _members(services, schedule.channel)
    async with services.sessions() as session:
        if not await claim_step(session, step_key(schedule.id, checkin_round.period, "close")):
            await session.rollback()
            return False
        row = await session.get(CheckinRound, round_id)
        assert row is not None
        row.state, row.closed_at = RoundState.CLOSED, now
        session.add(row)
        await session.flush()
        results = await round_results(session, services, row, members=members)
        results["zone"] = services.covenant.timezone
        base = step_key(schedule.id, row.period, "")
        topic, language = topic_of(round_id), schedule.language
        await enqueue(session, key=f"{base}results", target=schedule.channel,
                      template="checkin.results", data=results, topic=topic, language=language,
                      not_before=now)
        if results["enough"]:
            periods, series = await condition_series(session, services, row)
            form = load_form(services.settings.content_dir)
            labels = {q.id: f"{q.id} {q.short(language)}" for q in form.of_group("condition")}
            await enqueue(session, key=f"{base}chart", target=schedule.channel,
                          template="checkin.chart", kind=Kind.UPLOAD, topic=topic,
                          data={"round_id": round_id, "period": row.period,
                                "periods": periods, "series": series, "labels": labels,
                                "language": language}, language=language, not_before=now)
        respondents = await answered_by(session, round_id)
        for coordinator in sorted(services.coordinators.ids.get(schedule.platform, ())):
            await enqueue(session, key=f"{base}coordinator:{coordinator}",
                          target=ChannelRef(schedule.platform, schedule.workspace_id,
                                            user_id=coordinator),
                          template="checkin.results",
                          data={**results, "respondents": respondents, "for_coordinator": True},
                          topic=topic, language=language, not_before=now)
        await session.commit()
    services.outbox.wake()
    return True


async def run_due_steps(services: Services, now: datetime) -> None:
    """Closes what is due, then reminds, then opens: a new round's prompt follows the
    previous round's results."""
    now = as_utc(now)
    async with services.sessions() as session:
        open_rounds = list(await session.exec(select(CheckinRound).where(
            col(CheckinRound.state) == RoundState.OPEN)))
        # A paused schedule opens no new rounds, but the round under way still ends.
        deleted = {s.id for s in await session.exec(select(CheckinSchedule).where(
            col(CheckinSchedule.deleted).is_(True)))}
    for checkin_round in open_rounds:
        if checkin_round.schedule_id in deleted or checkin_round.id is None:
            continue
        if as_utc(checkin_round.closes_at) <= now:
            await close_round(services, checkin_round.id, now)
        elif as_utc(checkin_round.remind_at) <= now and not checkin_round.reminded:
            await send_reminders(services, checkin_round.id, now)
    await open_due_rounds(services, now)


def due_job(services: Services) -> DueJob:
    async def checkins_due(now: datetime) -> None:
        await run_due_steps(services, now)
    return checkins_due


async def open_actions_before(session: AsyncSession, of: CheckinRound) -> list[CheckinAction]:
    """The actions of earlier rounds still open: the next prompt lists them for review."""
    earlier = [r.id for r in await rounds_of(session, of.schedule_id)
               if r.id != of.id and as_utc(r.opens_at) <= as_utc(of.opens_at)]
    if not earlier:
        return []
    rows = await session.exec(select(CheckinAction).where(
        col(CheckinAction.round_id).in_(earlier)).order_by(col(CheckinAction.id)))
    return [action for action in rows if not action.done]
