"""Slack listeners for check-ins: /checkin (coordinators plan and manage), the "Invullen" form,
actions below the results, and the channel directory the domain asks about membership."""

import logging
from collections.abc import Awaitable, Callable
from datetime import date

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.checkins import manage
from bot.checkins.answers import (
    ActionInput,
    Saved,
    action_problems,
    add_action,
    answer_problems,
    mark_done,
    response_of,
    round_for_answer,
    save_answers,
)
from bot.checkins.calendar import Cadence, default_first_opening
from bot.checkins.models import CheckinSchedule, as_utc
from bot.checkins.questions import load_form
from bot.checkins.rounds import close_round, open_round, send_reminders, start_round_now
from bot.checkins.schedules import (
    ScheduleInput,
    apply_input,
    channel_problem,
    create_schedule,
    find_schedule,
    input_problems,
)
from bot.checkins.texts import text
from bot.deps import Services
from bot.identity import ChannelRef, Person
from bot.texts import SHARED, format_date, format_time
from handlers.slack import checkins_ids as ids
from handlers.slack.checkins_blocks import (
    BUILDERS,
    build_action_modal,
    build_checkin_modal,
    build_notice_modal,
    build_schedule_list,
    build_schedule_modal,
    combine_local,
)
from handlers.slack.context import person_from, row_id
from handlers.slack.routing import route_actions, route_views

logger = logging.getLogger(__name__)

__all__ = ["BUILDERS", "register"]


def _state_value(values: dict, block_id: str) -> str | None:
    element = (values.get(block_id) or {}).get(ids.VALUE) or {}
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    for key in ("selected_conversation", "selected_date", "selected_time", "value"):
        if key in element:
            return element[key]
    return None


def _whole_number(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def register(app: AsyncApp, services: Services) -> None:
    language = services.language
    zone = services.covenant.zone

    def is_coordinator(person: Person) -> bool:
        return services.coordinators.includes(person)

    async def handle_checkin_command(ack, command, context, client, respond):
        person = person_from(context, command)
        word = (command.get("text") or "").strip().lower()
        if not is_coordinator(person):
            await ack(text=SHARED("not_coordinator", language), response_type="ephemeral")
            return
        if word == "":
            await ack()
            first = default_first_opening(services.clock(), zone).astimezone(zone)
            await client.views_open(trigger_id=command["trigger_id"], view=build_schedule_modal(
                language, channel_id=command.get("channel_id", ""), first_local=first))
            return
        if word not in ("lijst", "list"):
            await ack(text=text("unknown_command", language), response_type="ephemeral")
            return
        async with services.sessions() as session:
            listed = await manage.overview(session, platform="slack",
                                           workspace_id=person.workspace_id)
        await ack(**build_schedule_list(listed, language, services.covenant.timezone))

    async def handle_schedule_submission(ack, body, view, context, client):
        person = person_from(context, body)
        if not is_coordinator(person):
            await ack(response_action="errors", errors={
                ids.SCHEDULE_BLOCKS["channel"]: SHARED("not_coordinator", language)})
            return
        values = view["state"]["values"]
        b = ids.SCHEDULE_BLOCKS
        errors: dict[str, str] = {}
        numbers: dict[str, int] = {}
        for field in ("open_days", "remind_days_before_close", "min_group"):
            number = _whole_number(_state_value(values, b[field]))
            if number is None:
                errors[b[field]] = text("err_number", language)
            numbers[field] = number or 0
        try:
            first = combine_local(_state_value(values, b["first_date"]) or "",
                                  _state_value(values, b["first_time"]) or "", zone)
        except ValueError:
            errors[b["first_date"]] = text("err_date", language)
            first = services.clock()
        schedule_id = _whole_number(view.get("private_metadata"))
        chosen = ScheduleInput(
            channel=ChannelRef("slack", person.workspace_id,
                               _state_value(values, b["channel"]) or ""),
            first_opens_at=as_utc(first), cadence=Cadence(
                _state_value(values, b["cadence"]) or Cadence.QUARTERLY),
            anonymous=_state_value(values, b["anonymous"]) == "anonymous", **numbers)
        for field, problem in input_problems(chosen, zone=zone, now=services.clock(),
                                             language=language,
                                             is_new=schedule_id is None).items():
            errors.setdefault(ids.FIELD_BLOCK[field], problem)
        if b["channel"] not in errors:
            refused = await channel_problem(services, chosen.channel, language)
            if refused:
                errors[b["channel"]] = refused
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        async with services.sessions() as session:
            if schedule_id is None:
                await create_schedule(session, chosen, by=person, language=language)
                key = "schedule_created"
            else:
                schedule = await find_schedule(session, schedule_id, workspace=person)
                if schedule is None:
                    await ack(response_action="errors", errors={
                        b["channel"]: text("unknown_schedule", language)})
                    return
                apply_input(schedule, chosen)
                session.add(schedule)
                key = "schedule_changed"
            await session.commit()
        await ack()
        local = first.astimezone(zone)
        message = text(key, language, channel=chosen.channel.channel_id,
                       cadence=text(f"cadence_{chosen.cadence}", language),
                       date=format_date(local, language), time=format_time(local, language),
                       days=chosen.open_days,
                       kind=text("kind_anonymous" if chosen.anonymous else "kind_named",
                                 language))
        await services.background.submit(lambda: _tell(client, chosen.channel.channel_id,
                                                       person.user_id, message))

    async def handle_fill_in(ack, body, context, client, respond):
        await ack()
        person = person_from(context, body)
        round_id = row_id(body["actions"][0].get("value")) or 0
        async with services.sessions() as session:
            checkin_round, refused = await round_for_answer(session, round_id, services.clock(),
                                                            person)
            if refused is Saved.UNKNOWN or checkin_round is None:
                await respond(text=text("unknown_round", language), response_type="ephemeral",
                              replace_original=False)
                return
            if refused is Saved.CLOSED:
                await respond(text=text("answer_closed", language), response_type="ephemeral",
                              replace_original=False)
                return
            earlier = await response_of(session, round_id, person)
        form = load_form(services.settings.content_dir)
        await client.views_open(trigger_id=body["trigger_id"], view=build_checkin_modal(
            form, language, round_id=round_id, period=checkin_round.period,
            anonymous=checkin_round.anonymous, answers=dict(earlier.answers) if earlier else {}))

    async def handle_checkin_submission(ack, body, view, context, client):
        person = person_from(context, body)
        form = load_form(services.settings.content_dir)
        values = view["state"]["values"]
        answers: dict = {}
        for question in form.questions:
            value = _state_value(values, ids.question_block(question.id))
            answers[question.id] = (_whole_number(value) if question.kind == "scale"
                                    else value)
            if question.remark:
                answers[f"{question.id}:remark"] = _state_value(
                    values, ids.remark_block(question.id))
        problems = answer_problems(form, answers, language)
        if problems:
            await ack(response_action="errors",
                      errors={ids.answer_block(key): problem for key, problem in problems.items()})
            return
        round_id = row_id(view.get("private_metadata")) or 0
        saved = await save_answers(services.sessions, form, person, round_id, answers,
                                   services.clock())
        if saved in (Saved.CLOSED, Saved.UNKNOWN):
            key = "answer_closed" if saved is Saved.CLOSED else "unknown_round"
            await ack(response_action="update", view=build_notice_modal(text(key, language),
                                                                        language))
            return
        await ack()
        async with services.sessions() as session:
            checkin_round, _ = await round_for_answer(session, round_id, services.clock())
            schedule = (await session.get(CheckinSchedule, checkin_round.schedule_id)
                        if checkin_round else None)
        if checkin_round is None or schedule is None:
            return
        local = as_utc(checkin_round.closes_at).astimezone(zone)
        message = text("answer_saved" if saved is Saved.NEW else "answer_updated", language,
                       period=checkin_round.period, date=format_date(local, language),
                       time=format_time(local, language))
        await services.background.submit(lambda: _tell(client, schedule.channel_id,
                                                       person.user_id, message))

    async def handle_add_action(ack, body, client):
        await ack()
        round_id = row_id(body["actions"][0].get("value")) or 0
        await client.views_open(trigger_id=body["trigger_id"],
                                view=build_action_modal(language, round_id=round_id))

    async def handle_action_submission(ack, body, view, context, client):
        person = person_from(context, body)
        values = view["state"]["values"]
        b = ids.ACTION_BLOCKS
        due = _state_value(values, b["due_on"])
        chosen = ActionInput(what=_state_value(values, b["what"]) or "",
                             owner=_state_value(values, b["owner"]) or "",
                             due_on=date.fromisoformat(due) if due else None)
        problems = action_problems(chosen, language)
        if problems:
            await ack(response_action="errors",
                      errors={b[field]: problem for field, problem in problems.items()})
            return
        round_id = row_id(view.get("private_metadata")) or 0
        async with services.sessions() as session:
            action = await add_action(session, round_id, chosen, by=person)
            if action is None:
                await ack(response_action="errors", errors={
                    b["what"]: text("unknown_round", language)})
                return
            from bot.checkins.models import CheckinRound

            checkin_round = await session.get(CheckinRound, round_id)
            schedule = await session.get(CheckinSchedule, checkin_round.schedule_id
                                         ) if checkin_round else None
            await session.commit()
        await ack()
        if schedule is not None:
            message = text("action_added", language, what=chosen.what.strip())
            await services.background.submit(lambda: _tell(client, schedule.channel_id,
                                                           person.user_id, message))

    def ephemeral(respond) -> Callable[[str], Awaitable[object]]:
        """A message only the person who clicked sees, under what they clicked."""
        return lambda message: respond(text=message, response_type="ephemeral",
                                       replace_original=False)

    def answering(ack, respond) -> Callable[[str], Awaitable[None]]:
        """What a button's handler answers with: the ack, then the message. Each handler
        below decides before it answers, so a crash after the ack loses no decision."""
        say = ephemeral(respond)

        async def answer(message: str) -> None:
            await ack()
            await services.background.submit(lambda: say(message))
        return answer

    async def handle_action_done(ack, body, context, respond):
        answer = answering(ack, respond)
        person = person_from(context, body)
        action_id = row_id(body["actions"][0].get("value")) or 0
        async with services.sessions() as session:
            action = await mark_done(session, action_id, by=person, now=services.clock())
            await session.commit()
        services.outbox.wake()
        await answer(text("action_marked_done", language, what=action.what) if action
                     else text("unknown_action", language))

    async def handle_export(ack, body, context, respond):
        answer = answering(ack, respond)
        person = person_from(context, body)
        if not is_coordinator(person):
            await answer(SHARED("not_coordinator", language))
            return
        round_id = row_id(body["actions"][0].get("value")) or 0
        exported = await manage.request_export(services, round_id, by=person,
                                               now=services.clock())
        await answer(text("export_sent", language, period=exported.period) if exported
                     else text("unknown_round", language))

    async def handle_manage(ack, body, context, client, respond):
        answer = answering(ack, respond)
        person = person_from(context, body)
        if not is_coordinator(person):
            await answer(SHARED("not_coordinator", language))
            return
        action = body["actions"][0]
        which, schedule_id = action["action_id"], row_id(action.get("value")) or 0
        async with services.sessions() as session:
            schedule = await find_schedule(session, schedule_id, workspace=person)
            current = await open_round(session, schedule_id) if schedule else None
        if schedule is None:
            await answer(text("unknown_schedule", language))
            return
        channel = schedule.channel_id
        if which == ids.CHANGE:
            await ack()
            local = as_utc(schedule.first_opens_at).astimezone(zone)
            await client.views_open(trigger_id=body["trigger_id"], view=build_schedule_modal(
                language, channel_id=channel, first_local=local, cadence=schedule.cadence,
                open_days=schedule.open_days, remind_days=schedule.remind_days_before_close,
                anonymous=schedule.anonymous, min_group=schedule.min_group,
                schedule_id=schedule_id))
            return
        if which in (ids.PAUSE, ids.RESUME):
            await manage.set_paused(services, schedule_id, which == ids.PAUSE, by=person)
            await answer(text("paused" if which == ids.PAUSE else "resumed", language,
                              channel=channel))
            return
        if which == ids.DELETE:
            await manage.delete_schedule(services, schedule_id, by=person)
            await answer(text("deleted", language, channel=channel))
            return
        if which == ids.START_NOW:
            started = await start_round_now(services, schedule_id, services.clock())
            await answer(text("round_started", language, period=started.period,
                              channel=channel)
                         if started else text("round_already_open", language))
            return
        if current is None or current.id is None:
            await answer(text("no_open_round", language))
            return
        # These two ask Slack who is in the channel first, which can take longer than the
        # 3 s Slack waits for the ack: they run after it. A crash meanwhile leaves the round
        # as it was, and a second click does it (each step is claimed once).
        await ack()
        round_id, period = current.id, current.period
        say = ephemeral(respond)

        async def remind() -> None:
            count = await send_reminders(services, round_id, services.clock())
            await say(text("reminders_sent", language, count=count) if count is not None
                      else text("reminders_done_before", language))

        async def close() -> None:
            closed = await close_round(services, round_id, services.clock())
            await say(text("round_closed", language, period=period) if closed
                      else text("no_open_round", language))

        await services.background.submit(remind if which == ids.REMIND_NOW else close)

    app.command(ids.COMMAND)(handle_checkin_command)
    route_views(app, {
        ids.CHECKIN_MODAL: handle_checkin_submission,
        ids.SCHEDULE_MODAL: handle_schedule_submission,
        ids.ACTION_MODAL: handle_action_submission,
    })
    route_actions(app, {
        ids.FILL_IN: handle_fill_in,
        ids.ADD_ACTION: handle_add_action,
        ids.EXPORT: handle_export,
        **dict.fromkeys(ids.MANAGE_ACTIONS, handle_manage),
    })
    app.action(ids.ACTION_DONE_PATTERN)(handle_action_done)


async def _tell(client: AsyncWebClient, channel: str, user: str, message: str) -> None:
    """A note only the person sees, in the channel of the check-in; a direct message when
    they are not in that channel (a coordinator planning for a team)."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=message)
        return
    except SlackApiError as error:
        if error.response.get("error") not in ("user_not_in_channel", "channel_not_found",
                                                "not_in_channel"):
            logger.exception("could not confirm to %s in %s", user, channel)
            return
    try:
        await client.chat_postMessage(channel=user, text=message)
    except SlackApiError:
        logger.exception("could not confirm to %s", user)
