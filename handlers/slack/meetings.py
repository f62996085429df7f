"""Slack listeners for meetings: /bijeenkomst, the "new meeting" modal, the invitation's
buttons, the profile, and the coordinators' list, export, changes and cancellations.
Each listener pulls out the fields, calls bot.meetings and renders the answer. What a click
decides is stored before the ack (handlers.slack.acks; a sign-up as a click to decide,
bot.meetings.signups), so a crash after the ack loses nothing; the answers come after it."""

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import TypeVar

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Services
from bot.identity import Person
from bot.meetings.models import Profile
from bot.meetings.notices import CALENDAR, EXPORT, INVITE, NOTICE
from bot.meetings.people import (
    current_meetings,
    export_participants,
    participant_list,
    profile,
    session_summary,
    session_view_of,
    set_profile,
    standing,
)
from bot.meetings.planning import (
    Gone,
    Invalid,
    MeetingDraft,
    NotCoordinator,
    SessionChange,
    SessionDraft,
    cancel_meeting,
    cancel_session,
    change_session,
    create_meeting,
    meeting_defaults,
)
from bot.meetings.seats import Outcome, withdraw
from bot.meetings.signups import SWEEP_AFTER, Decided, accept, next_lease_end, open_clicks
from bot.meetings.signups import decide as decide_click
from bot.meetings.store import aware
from bot.meetings.texts import text
from bot.meetings.wording import session_text
from bot.outbox.sender import Builder
from handlers.slack import meetings_blocks as blocks
from handlers.slack import meetings_ids as ids
from handlers.slack.acks import decide_then_ack
from handlers.slack.context import person_from, row_id
from handlers.slack.replies import RESPONSE_URL_LIFETIME, RESPONSE_URL_MARGIN
from handlers.slack.routing import route_actions, route_views

logger = logging.getLogger(__name__)
T = TypeVar("T")
EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}
MAX_SESSIONS = 10  # 6 blocks each: a modal holds 100
# The Slack app's due job for clicks on "Aanmelden" a stopped process did not decide.
SIGN_UPS_JOB = "meetings.slack_sign_ups"

BUILDERS: dict[str, Builder] = {
    INVITE: blocks.build_invitation,
    CALENDAR: blocks.build_calendar_upload,
    NOTICE: blocks.build_notice,
    EXPORT: blocks.build_export_upload,
}


def _field(values: dict, block_id: str) -> dict:
    return (values.get(block_id) or {}).get(ids.VALUE) or {}


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _parse_time(raw: str | None) -> time | None:
    try:
        return time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def session_draft(values: dict, index: int) -> SessionDraft:
    def field(name: str) -> dict:
        return _field(values, ids.session_block(index, name))

    return SessionDraft(day=_parse_day(field("day").get("selected_date")),
                        start=_parse_time(field("start").get("selected_time")),
                        end=_parse_time(field("end").get("selected_time")),
                        location=field("location").get("value") or "",
                        capacity=field("capacity").get("value") or "")


def meeting_draft(values: dict, sessions: int, language: str) -> MeetingDraft:
    """The modal's view.state.values as the domain's draft."""
    deadline = _field(values, ids.DEADLINE_BLOCK).get("selected_date_time")
    return MeetingDraft(
        title=_field(values, ids.TITLE_BLOCK).get("value") or "",
        description=_field(values, ids.DESCRIPTION_BLOCK).get("value") or "",
        agenda=_field(values, ids.AGENDA_BLOCK).get("value") or "",
        practical=_field(values, ids.PRACTICAL_BLOCK).get("value") or "",
        mandatory=bool(_field(values, ids.MANDATORY_BLOCK).get("selected_options")),
        rsvp_deadline=datetime.fromtimestamp(int(deadline), UTC) if deadline else None,
        channels=list(_field(values, ids.CHANNELS_BLOCK).get("selected_conversations") or []),
        sessions=[session_draft(values, index) for index in range(sessions)],
        language=language)


def error_block(field: str) -> str:
    """The modal block a domain field error belongs on."""
    if field.startswith("session."):
        _, index, name = field.split(".")
        return ids.session_block(int(index), name)
    return {"title": ids.TITLE_BLOCK, "channels": ids.CHANNELS_BLOCK,
            "rsvp_deadline": ids.DEADLINE_BLOCK,
            "sessions": ids.session_block(0, "day")}.get(field, ids.TITLE_BLOCK)


def modal_errors(errors: dict[str, str], language: str) -> dict[str, str]:
    return {error_block(field): text(key, language) for field, key in errors.items()}


def register(app: AsyncApp, services: Services) -> None:
    language = services.language

    def partners() -> list[str]:
        return list(services.covenant.partners)

    def roles() -> list[str]:
        return meeting_defaults(services).role_choices

    async def reply(respond, message: str) -> None:
        await respond(**blocks.build_answer(message), **EPHEMERAL)

    async def later(job: Callable[[], Awaitable[object]], respond) -> None:
        async def guarded() -> None:
            try:
                await job()
            except NotCoordinator:
                await reply(respond, text("not_coordinator", language))
            except Gone as gone:
                await reply(respond, text(gone.code, language))
            except Exception:
                logger.exception("meeting action failed")
                await reply(respond, text("error", language))
        await services.background.submit(guarded)

    async def open_create_modal(client: AsyncWebClient, trigger_id: str, channel: str) -> None:
        view = blocks.build_create_modal(meeting_defaults(services), language,
                                         timezone=services.covenant.timezone,
                                         metadata={"channel": channel})
        await client.views_open(trigger_id=trigger_id, view=view)

    async def show_list(person: Person, meeting_id: int, client: AsyncWebClient, context,
                        respond) -> None:
        roster = await participant_list(services, person, meeting_id,
                                        services.directory(person.platform))
        await respond(**blocks.build_participants(roster, language), **EPHEMERAL)

    async def handle_bijeenkomst_command(ack, command, context, client, respond):
        await ack()
        person = person_from(context, command)
        word = (command.get("text") or "").strip().lower()
        if word not in ("", "nieuw", "new", "lijst", "list", "beheer", "manage"):
            await later(lambda: reply(respond, text("usage", language)), respond)
            return
        if not services.coordinators.includes(person):
            await later(lambda: reply(respond, text("not_coordinator", language)), respond)
            return
        if word in ("", "nieuw", "new"):
            await open_create_modal(client, command["trigger_id"], command.get("channel_id", ""))
            return

        async def listing() -> None:
            meetings = await current_meetings(services)
            if not meetings:
                await reply(respond, text("no_meetings", language))
            elif len(meetings) == 1:
                await show_list(person, meetings[0].id or 0, client, context, respond)
            else:
                choice = blocks.build_meeting_choice([(m.id or 0, m.title) for m in meetings],
                                                     language)
                await respond(**choice, **EPHEMERAL)
        await later(listing, respond)

    async def handle_add_session(ack, body, client):
        await ack()
        view = body["view"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        sessions = min(MAX_SESSIONS, int(metadata.get("sessions", 1)) + 1)
        rebuilt = blocks.build_create_modal(
            meeting_defaults(services), language, timezone=services.covenant.timezone,
            sessions=sessions, values=view["state"]["values"], metadata=metadata)
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)

    async def handle_create_submission(ack, body, context, view):
        person = person_from(context, body)
        metadata = json.loads(view.get("private_metadata") or "{}")
        draft = meeting_draft(view["state"]["values"], int(metadata.get("sessions", 1)),
                              language)
        try:
            await create_meeting(services, person, draft)
        except Invalid as invalid:
            await ack(response_action="errors", errors=modal_errors(invalid.errors, language))
            return
        except NotCoordinator:
            await ack(response_action="errors",
                      errors={ids.TITLE_BLOCK: text("not_coordinator", language)})
            return
        await ack()

    async def answer_for(person: Person, outcome: Outcome) -> str:
        if outcome.code not in ("confirmed", "waitlisted"):
            return text(outcome.code, language)
        session = await session_summary(services, outcome.session_id or 0)
        described = session_text(session, language) if session else ""
        return text(outcome.code, language, session=described)

    async def answer_sign_up(decided: Decided, respond) -> None:
        click, outcome = decided.click, decided.outcome
        person = Person(click.platform, click.workspace_id, click.user_id)
        answer = await answer_for(person, outcome)
        if outcome.code in ("confirmed", "waitlisted") and await profile(
                services, person) is None:
            if click.name:
                await set_profile(services, person, name=click.name)
            await respond(**blocks.build_profile_prompt(answer, partners(), roles(),
                                                        language), **EPHEMERAL)
        else:
            await reply(respond, answer)

    async def handle_sign_up(ack, action, body, context, respond):
        person = person_from(context, body)
        session_id = row_id(action.get("value"))
        if session_id is None:
            await ack()
            await later(lambda: reply(respond, text("session_gone", language)), respond)
            return
        user = body.get("user") or {}
        # Stored before the ack, so that a click Slack was told we took survives a crash
        # (bot.meetings.signups); a Slack retry of it carries the same trigger id.
        request_id = await accept(
            services, person, session_id,
            claim=body.get("trigger_id") or f"{person.user_id}:{action.get('action_ts')}",
            name=user.get("name") or user.get("username") or "",
            response_url=body.get("response_url") or "")
        await ack()
        if request_id is None:
            return  # a retry: the click it repeats is answered

        async def signing_up() -> None:
            decided = await decide_click(services, request_id)
            if decided is not None:
                await answer_sign_up(decided, respond)
        await later(signing_up, respond)

    first_pass = True

    async def decide_left_clicks(now: datetime) -> None:
        """Clicks stored but not decided (a crash, a process stopped in between): all of them
        at this process's first pass, later those the storing process has had time for."""
        nonlocal first_pass
        received_before = None if first_pass else now - SWEEP_AFTER
        first_pass = False
        for request_id in await open_clicks(services, received_before=received_before):
            try:
                decided = await decide_click(services, request_id)
            except Exception:  # the others go on; this one is tried again after its lease
                logger.exception("deciding sign-up %s failed", request_id)
                continue
            if decided is None:
                continue
            if decided.click.response_url and now - aware(decided.click.received_at) < (
                    RESPONSE_URL_LIFETIME - RESPONSE_URL_MARGIN):
                try:
                    await answer_sign_up(
                        decided, AsyncRespond(response_url=decided.click.response_url))
                except Exception:  # the place is taken; only the note about it is missing
                    logger.warning("no answer to sign-up %s after a restart", request_id,
                                   exc_info=True)
        lease_ends = await next_lease_end(services)
        if lease_ends is not None:  # a click a stopped process had taken: decided then
            services.scheduler.wake_at(lease_ends, SIGN_UPS_JOB)

    async def decide(ack, respond, decision: Callable[[], Awaitable[T]],
                     then: Callable[[T], Awaitable[object]]) -> None:
        """The decision before the ack (handlers.slack.acks), the answer after."""
        async def refuse(refusal: Exception) -> None:
            code = refusal.code if isinstance(refusal, Gone) else "not_coordinator"
            await reply(respond, text(code, language))

        await decide_then_ack(ack, decision, then, later=lambda job: later(job, respond),
                              refusals=(NotCoordinator, Gone), refuse=refuse)

    def withdrawal(decline: bool):
        async def handle(ack, action, body, context, respond):
            person = person_from(context, body)
            meeting_id = row_id(action.get("value")) or 0  # 0: no meeting has it
            await decide(ack, respond,
                         lambda: withdraw(services, person, meeting_id, decline=decline),
                         lambda outcome: reply(respond, text(outcome.code, language)))
        return handle

    async def handle_switch(ack, action, body, context, respond):
        await ack()
        person = person_from(context, body)
        meeting_id = row_id(action.get("value")) or 0

        async def choosing() -> None:
            seen = await standing(services, person, meeting_id)
            if seen is None:
                await reply(respond, text("meeting_gone", language))
            elif seen.view["cancelled"]:
                await reply(respond, text("meeting_cancelled", language))
            elif seen.view["closed"]:
                await reply(respond, text("closed", language))
            elif seen.registration is None or seen.registration.status not in (
                    "confirmed", "waitlisted"):
                await reply(respond, text("not_registered", language))
            else:
                await respond(**blocks.build_choose_session(seen.view, language), **EPHEMERAL)
        await later(choosing, respond)

    async def handle_profile_button(ack, body, context, client):
        await ack()
        person = person_from(context, body)
        current = await profile(services, person)
        view = blocks.build_profile_modal(
            partners(), roles(), language, organisation=current.organisation if current else "",
            role=current.role if current else "", name=current.name if current else "")
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def handle_profile_select(ack, action, body, context, respond):
        person = person_from(context, body)
        chosen = (action.get("selected_option") or {}).get("value") or ""
        is_organisation = action["action_id"] == ids.PROFILE_ORGANISATION
        if chosen not in (partners() if is_organisation else roles()):
            await ack()
            await later(lambda: reply(respond, text("profile_missing", language)), respond)
            return

        async def saving() -> Profile | None:
            if is_organisation:
                await set_profile(services, person, organisation=chosen)
            else:
                await set_profile(services, person, role=chosen)
            return await profile(services, person)

        async def saved(kept: Profile | None) -> None:
            if kept is not None and kept.organisation and kept.role:
                await reply(respond, text("profile_saved", language,
                                          organisation=kept.organisation, role=kept.role))
            else:
                await reply(respond, text("profile_noted", language, value=chosen))
        await decide(ack, respond, saving, saved)

    async def handle_profile_submission(ack, body, context, view):
        person = person_from(context, body)
        values = view["state"]["values"]
        organisation = ((values.get(ids.ORGANISATION_BLOCK) or {}).get(ids.VALUE) or {}).get(
            "selected_option") or {}
        role = ((values.get(ids.ROLE_BLOCK) or {}).get(ids.VALUE) or {}).get(
            "selected_option") or {}
        name = ((values.get(ids.NAME_BLOCK) or {}).get(ids.VALUE) or {}).get("value")
        errors = {}
        if organisation.get("value") not in partners():
            errors[ids.ORGANISATION_BLOCK] = text("profile_missing", language)
        if role.get("value") not in roles():
            errors[ids.ROLE_BLOCK] = text("profile_missing", language)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await set_profile(services, person, organisation=organisation["value"],
                          role=role["value"], name=(name or "").strip() or None)
        await ack()

    async def handle_participants(ack, action, body, context, client, respond):
        await ack()
        person = person_from(context, body)
        meeting_id = row_id(action.get("value")) or 0
        await later(lambda: show_list(person, meeting_id, client, context, respond), respond)

    async def handle_export(ack, action, body, context, respond):
        person = person_from(context, body)
        meeting_id = row_id(action.get("value")) or 0
        await decide(ack, respond, lambda: export_participants(services, person, meeting_id),
                     lambda _: reply(respond, text("export_sent", language)))

    async def handle_change_button(ack, action, body, context, client, respond):
        await ack()
        person = person_from(context, body)
        if not services.coordinators.includes(person):
            await later(lambda: reply(respond, text("not_coordinator", language)), respond)
            return
        found = await session_view_of(services, row_id(action.get("value")) or 0)
        if found is None:
            await later(lambda: reply(respond, text("session_gone", language)), respond)
            return
        _, session = found
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.build_change_modal(
            session, language, timezone=services.covenant.timezone))

    async def handle_change_submission(ack, body, context, view):
        person = person_from(context, body)
        session_id = int(json.loads(view.get("private_metadata") or "{}").get("session_id", 0))
        typed = session_draft(view["state"]["values"], 0)
        change = SessionChange(day=typed.day, start=typed.start, end=typed.end,
                               location=typed.location, capacity=typed.capacity)
        try:
            await change_session(services, person, session_id, change)
        except Invalid as invalid:
            await ack(response_action="errors", errors=modal_errors(invalid.errors, language))
            return
        except (NotCoordinator, Gone) as refused:
            code = refused.code if isinstance(refused, Gone) else "not_coordinator"
            await ack(response_action="errors",
                      errors={ids.session_block(0, "day"): text(code, language)})
            return
        await ack()

    def cancelling(meeting: bool):
        async def handle(ack, action, body, context, respond):
            person = person_from(context, body)
            target = row_id(action.get("value")) or 0
            cancel = cancel_meeting if meeting else cancel_session
            await decide(ack, respond, lambda: cancel(services, person, target),
                         lambda _: reply(respond, text("cancel_meeting_done" if meeting
                                                       else "cancel_session_done", language)))
        return handle

    app.command(ids.COMMAND)(handle_bijeenkomst_command)
    services.scheduler.add_due_job(SIGN_UPS_JOB, decide_left_clicks)
    route_actions(app, {
        ids.SIGN_UP: handle_sign_up,  # the most frequent first: it is matched first
        ids.DECLINE: withdrawal(decline=True),
        ids.WITHDRAW: withdrawal(decline=False),
        ids.SWITCH: handle_switch,
        ids.PROFILE: handle_profile_button,
        ids.PROFILE_ORGANISATION: handle_profile_select,
        ids.PROFILE_ROLE: handle_profile_select,
        ids.ADD_SESSION: handle_add_session,
        ids.PARTICIPANTS: handle_participants,
        ids.EXPORT: handle_export,
        ids.CHANGE_SESSION: handle_change_button,
        ids.CANCEL_SESSION: cancelling(meeting=False),
        ids.CANCEL_MEETING: cancelling(meeting=True),
    })
    route_views(app, {
        ids.CREATE_VIEW: handle_create_submission,
        ids.PROFILE_VIEW: handle_profile_submission,
        ids.CHANGE_VIEW: handle_change_submission,
    })
