"""One response per person per round, editable until the round closes; and the actions a team
adds after a round, marked done when reviewed in the next one."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkins.models import (
    CheckinAction,
    CheckinResponse,
    CheckinRound,
    CheckinSchedule,
    RoundState,
    as_utc,
)
from bot.checkins.questions import Form
from bot.checkins.texts import text
from bot.identity import Person
from bot.outbox.models import Delivery
from bot.outbox.queue import request_update

OPEN_ANSWER_LIMIT = 1000


class Saved(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    CLOSED = "closed"    # the round closed: nothing stored
    UNKNOWN = "unknown"  # no such round (or schedule deleted)


def answer_problems(form: Form, answers: dict, language: str = "nl") -> dict[str, str]:
    """Question id -> what is wrong with the answer to it."""
    problems: dict[str, str] = {}
    for question in form.questions:
        value = answers.get(question.id)
        if question.kind == "scale" and not (isinstance(value, int) and 1 <= value <= 5):
            problems[question.id] = text("err_scale", language)
        elif question.kind == "choice" and value not in (None, "", *(o.id for o in
                                                                      question.options)):
            problems[question.id] = text("err_choice", language)
        elif question.kind == "open" and len(str(value or "")) > OPEN_ANSWER_LIMIT:
            problems[question.id] = text("err_too_long", language, limit=OPEN_ANSWER_LIMIT)
        remark = answers.get(f"{question.id}:remark")
        if question.remark and len(str(remark or "")) > OPEN_ANSWER_LIMIT:
            problems[f"{question.id}:remark"] = text("err_too_long", language,
                                                     limit=OPEN_ANSWER_LIMIT)
    return problems


def clean(form: Form, answers: dict) -> dict:
    """Only the form's keys, open texts trimmed, empty ones left out."""
    kept: dict = {}
    for question in form.questions:
        value = answers.get(question.id)
        if question.kind == "scale" and isinstance(value, int):
            kept[question.id] = value
        elif value not in (None, "") and str(value).strip():
            kept[question.id] = str(value).strip()
        remark = str(answers.get(f"{question.id}:remark") or "").strip()
        if question.remark and remark:
            kept[f"{question.id}:remark"] = remark
    return kept


async def round_for_answer(session: AsyncSession, round_id: int, now: datetime,
                           person: Person | None = None
                           ) -> tuple[CheckinRound | None, Saved | None]:
    """The round, or why it takes no answers: unknown (also to someone of another workspace),
    or closed (also when its closing time passed and the due job has not run yet)."""
    checkin_round = await session.get(CheckinRound, round_id)
    schedule = (await session.get(CheckinSchedule, checkin_round.schedule_id)
                if checkin_round else None)
    if checkin_round is None or schedule is None or schedule.deleted or (
            person is not None and (person.platform, person.workspace_id)
            != (schedule.platform, schedule.workspace_id)):
        return None, Saved.UNKNOWN
    if checkin_round.state != RoundState.OPEN or as_utc(checkin_round.closes_at) <= now:
        return checkin_round, Saved.CLOSED
    return checkin_round, None


async def response_of(session: AsyncSession, round_id: int, person: Person
                      ) -> CheckinResponse | None:
    return (await session.exec(select(CheckinResponse).where(
        col(CheckinResponse.round_id) == round_id,
        col(CheckinResponse.platform) == person.platform,
        col(CheckinResponse.workspace_id) == person.workspace_id,
        col(CheckinResponse.user_id) == person.user_id))).first()


async def save_answers(sessions, form: Form, person: Person, round_id: int, answers: dict,
                       now: datetime) -> Saved:
    """Stores or replaces the person's answers while the round is open."""
    for _attempt in range(2):  # a double click may insert the same row twice at once
        async with sessions() as session:
            _, refused = await round_for_answer(session, round_id, now, person)
            if refused is not None:
                return refused
            existing = await response_of(session, round_id, person)
            if existing is not None:
                existing.answers, existing.updated_at = clean(form, answers), now
                session.add(existing)
                await session.commit()
                return Saved.UPDATED
            session.add(CheckinResponse(round_id=round_id, platform=person.platform,
                                        workspace_id=person.workspace_id,
                                        user_id=person.user_id, answers=clean(form, answers),
                                        created_at=now, updated_at=now))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                continue
            return Saved.NEW
    return Saved.UPDATED


@dataclass(frozen=True)
class ActionInput:
    what: str
    owner: str = ""
    due_on: date | None = None


def action_problems(values: ActionInput, language: str = "nl") -> dict[str, str]:
    problems: dict[str, str] = {}
    if not values.what.strip():
        problems["what"] = text("err_action_what", language)
    elif len(values.what) > 300:
        problems["what"] = text("err_too_long", language, limit=300)
    if len(values.owner) > 120:
        problems["owner"] = text("err_too_long", language, limit=120)
    return problems


async def add_action(session: AsyncSession, round_id: int, values: ActionInput, *,
                     by: Person) -> CheckinAction | None:
    checkin_round = await session.get(CheckinRound, round_id)
    if checkin_round is None:
        return None
    action = CheckinAction(round_id=round_id, what=values.what.strip(),
                           owner=values.owner.strip(), due_on=values.due_on,
                           created_by=by.user_id)
    session.add(action)
    await session.flush()
    return action


async def mark_done(session: AsyncSession, action_id: int, *, by: Person,
                    now: datetime | None = None) -> CheckinAction | None:
    """Marks an action done and asks for the prompt listing it to be shown again."""
    action = await session.get(CheckinAction, action_id)
    if action is None:
        return None
    action.done, action.done_by = True, by.user_id
    session.add(action)
    from bot.checkins.rounds import rounds_of, topic_of

    of_round = await session.get(CheckinRound, action.round_id)
    assert of_round is not None  # a foreign key
    later = [topic_of(r.id or 0) for r in await rounds_of(session, of_round.schedule_id)
             if r.id != of_round.id]
    prompts = await session.exec(select(Delivery).where(
        col(Delivery.template) == "checkin.prompt", col(Delivery.kind) == "post",
        col(Delivery.topic).in_(later)))
    for prompt in prompts:
        await request_update(session, of=prompt, now=now)
    await session.flush()
    return action
