"""/aankondiging: compose in a modal, preview, send now or later, list, report, edit, recall,
cancel; and the "Gelezen ✔" and "Tekst voor website/LinkedIn" buttons under each post.

What a click or the modal decides (a draft, a send, a read, ...) is stored before the ack
(handlers.slack.acks), so a crash after the ack loses nothing; modals open right in the
listener (the trigger id lives 3 seconds); the answers run in services.background."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.announcements.desk import AnnouncementDesk, Invalid, ReadResult, Unavailable, aware
from bot.announcements.drafts import Draft
from bot.announcements.models import Announcement, Status
from bot.announcements.templates import Template, fill, load_templates
from bot.announcements.texts import channel_count, text
from bot.announcements.views import external_text, post_view
from bot.deps import Services
from bot.identity import Person
from bot.texts import format_date, format_time
from handlers.slack import announcements_ids as ids
from handlers.slack.acks import decide_then_ack
from handlers.slack.announcements_blocks import (
    BUILDERS,
    build_external,
    build_list,
    build_notice,
    build_preview,
    build_report,
    when_text,
)
from handlers.slack.announcements_links import LINKS_JOB, fill_permalinks, follow
from handlers.slack.announcements_modal import (
    ModalState,
    TemplateChoice,
    block_id,
    build_compose_modal,
    draft_from_view,
    modal_errors,
)
from handlers.slack.context import person_from, row_id
from handlers.slack.routing import route_actions

__all__ = ["BUILDERS", "register"]

logger = logging.getLogger(__name__)

EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}
REPLACE = {"response_type": "ephemeral", "replace_original": True}

Respond = Callable[..., Awaitable[object]]
Ack = Callable[..., Awaitable[object]]
T = TypeVar("T")


def register(app: AsyncApp, services: Services) -> None:
    language = services.language
    templates = {t.key: t for t in load_templates(services.settings.content_dir, problems=[])}
    choices = [TemplateChoice(t.key, t.label) for t in templates.values()]

    def desk() -> AnnouncementDesk:
        return AnnouncementDesk.of(services)

    def notice(key: str, **values: object) -> dict:
        return build_notice(text(key, language, **values))

    async def later(work: Callable[[], Awaitable[object]], respond: Respond | None) -> None:
        async def guarded() -> None:
            try:
                await work()
            except Unavailable as error:
                if respond is not None:
                    await respond(**notice(error.reason), **EPHEMERAL)
            except Exception:
                logger.exception("announcement work failed")
                if respond is not None:
                    await respond(**notice("error"), **EPHEMERAL)
        await services.background.submit(guarded)

    async def refuse(respond: Respond) -> None:
        await later(lambda: respond(**notice("not_coordinator"), **EPHEMERAL), None)

    async def open_modal(client: AsyncWebClient, trigger_id: str, view: dict) -> None:
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError:
            logger.exception("views.open failed")

    # the command ---------------------------------------------------------------------------

    async def handle_aankondiging_command(ack, command, context, client, respond):
        await ack()
        person = person_from(context, command)
        if not services.coordinators.includes(person):
            await refuse(respond)
            return
        word = (command.get("text") or "").strip().lower()
        if word in ("", "nieuw", "new"):
            state = ModalState(channel=command.get("channel_id") or "")
            await open_modal(client, command["trigger_id"],
                             build_compose_modal(Draft(), state, choices, language))
        elif word in ("lijst", "list"):
            await later(lambda: show_list(person, respond), respond)
        else:
            await later(lambda: respond(**notice("usage"), **EPHEMERAL), None)

    async def show_list(person: Person, respond: Respond) -> None:
        items = [{"id": a.id, "title": a.title, "state": a.state, "channels": len(a.channels),
                  "when": moment_text(a)} for a in await desk().recent(person)]
        await respond(**build_list(items, language), **EPHEMERAL)

    def moment_text(announcement: Announcement) -> str:
        moment = aware(announcement.send_at if announcement.state == Status.SCHEDULED
                       else announcement.sent_at or announcement.created_at)
        if moment is None:
            return ""
        local = services.covenant.local(moment)
        return f"{format_date(local, language)} {format_time(local, language)}"

    # the modal -----------------------------------------------------------------------------

    async def handle_template_select(ack, body, action, client):
        await ack()
        view = body.get("view") or {}
        draft, state = draft_from_view(view)
        key = (action.get("selected_option") or {}).get("value") or ids.SCRATCH
        template: Template | None = templates.get(key)
        if template is not None:
            filled = fill(template, services.covenant, language)
            draft.title, draft.body, draft.variant = filled.title, filled.body, filled.variant
        else:
            draft.title = draft.body = ""
        state.revision += 1
        state.template = key
        try:
            await client.views_update(view_id=view.get("id"), hash=view.get("hash"),
                                      view=build_compose_modal(draft, state, choices, language))
        except SlackApiError:
            logger.exception("views.update failed")

    async def handle_compose_submission(ack, body, view, context, client):
        person = person_from(context, body)
        draft, state = draft_from_view(view)
        if not services.coordinators.includes(person):
            await ack(response_action="errors",
                      errors={block_id(ids.TITLE_BLOCK, state.revision):
                              text("not_coordinator", language)})
            return
        errors = desk().problems(draft, with_delivery=state.mode != "edit")
        if errors:
            await ack(response_action="errors", errors=modal_errors(errors, state))
            return
        # Stored before the ack closes the modal: a crash after it must not lose the text.
        try:
            if state.mode == "edit" and state.announcement_id is not None:
                await desk().edit(person, state.announcement_id, draft)
                message = notice("edited")
            else:
                message = preview(await desk().save_draft(
                    person, draft,
                    announcement_id=state.announcement_id if state.mode == "draft" else None))
        except Unavailable as error:
            await ack(response_action="errors",
                      errors={block_id(ids.TITLE_BLOCK, state.revision): text(error.reason,
                                                                              language)})
            return
        except Invalid as error:
            await ack(response_action="errors", errors=modal_errors(error.errors, state))
            return
        await ack()
        await later(lambda: tell(client, person, state.channel, message), None)

    def preview(announcement: Announcement) -> dict:
        when = when_text(aware(announcement.send_at), services.covenant.timezone, language)
        return build_preview(post_view(announcement, 0), announcement.channels, when, language)

    async def tell(client: AsyncWebClient, person: Person, channel: str, message: dict) -> None:
        """Only for this coordinator: ephemeral where they typed the command, else a DM."""
        if channel:
            try:
                await client.chat_postEphemeral(channel=channel, user=person.user_id, **message)
                return
            except SlackApiError as error:
                logger.info("ephemeral to %s failed (%s); sending a DM", channel,
                            error.response.get("error"))
        await client.chat_postMessage(channel=person.user_id, **message)

    async def reopen(client: AsyncWebClient, body: dict, person: Person, announcement_id: int,
                     mode: str) -> None:
        try:
            announcement = await desk().get(person, announcement_id)
        except Unavailable as error:
            reason = error.reason
            await later(lambda: tell(client, person, _channel_of(body), notice(reason)), None)
            return
        if announcement.state in (Status.RECALLED, Status.CANCELLED) or (
                mode == "draft" and announcement.state != Status.DRAFT):
            reason = {Status.RECALLED: "is_recalled", Status.CANCELLED: "is_cancelled"}.get(
                Status(announcement.state), "not_draft")
            await later(lambda: tell(client, person, _channel_of(body), notice(reason)), None)
            return
        if announcement.state == Status.DRAFT:
            mode = "draft"
        draft = Draft(title=announcement.title, body=announcement.body,
                      image_url=announcement.image_url, variant=announcement.variant,
                      channels=list(announcement.channels), send_at=aware(announcement.send_at),
                      later=announcement.send_at is not None)
        state = ModalState(mode=mode, announcement_id=announcement_id,
                           channel=_channel_of(body))
        await open_modal(client, body["trigger_id"],
                         build_compose_modal(draft, state, choices, language))

    # buttons -------------------------------------------------------------------------------

    def for_coordinators(work: Callable[[Ack, Person, int, dict, Respond, AsyncWebClient],
                                        Awaitable[object]]):
        """A coordinator's button; `work` acks (after what it decides, see `decide`)."""
        async def handle(ack, action, body, context, respond, client):
            person = person_from(context, body)
            if not services.coordinators.includes(person):
                await ack()
                await refuse(respond)
                return
            announcement_id = row_id(action.get("value"))
            if announcement_id is None:
                await ack()
                await later(lambda: respond(**notice("unknown_announcement"), **EPHEMERAL), None)
                return
            await work(ack, person, announcement_id, body, respond, client)
        return handle

    async def decide(ack: Ack, respond: Respond, decision: Callable[[], Awaitable[T]],
                     then: Callable[[T], Awaitable[object]]) -> None:
        """The decision before the ack (handlers.slack.acks), what is said about it after."""
        async def refuse(refusal: Unavailable) -> None:
            await respond(**notice(refusal.reason), **EPHEMERAL)

        await decide_then_ack(ack, decision, then, later=lambda job: later(job, respond),
                              refusals=(Unavailable,), refuse=refuse)

    async def do_send(ack, person, announcement_id, body, respond, client):
        async def sent(announcement: Announcement) -> None:
            count = channel_count(len(announcement.channels), language)
            send_at = aware(announcement.send_at)
            if announcement.state == Status.SCHEDULED and send_at is not None:
                local = services.covenant.local(send_at)
                message = notice("scheduled", date=format_date(local, language),
                                 time=format_time(local, language), channels=count)
            else:
                message = notice("sent_now", channels=count)
                follow(services, client, announcement_id)
            await respond(**message, **REPLACE)
        await decide(ack, respond, lambda: desk().send(person, announcement_id), sent)

    async def do_adjust(ack, person, announcement_id, body, respond, client):
        await ack()
        await reopen(client, body, person, announcement_id, "draft")

    async def do_edit(ack, person, announcement_id, body, respond, client):
        await ack()
        await reopen(client, body, person, announcement_id, "edit")

    async def do_discard(ack, person, announcement_id, body, respond, client):
        await decide(ack, respond, lambda: desk().discard(person, announcement_id),
                     lambda _: respond(**notice("discarded"), **REPLACE))

    async def do_cancel(ack, person, announcement_id, body, respond, client):
        await decide(ack, respond, lambda: desk().cancel(person, announcement_id),
                     lambda _: respond(**notice("cancelled"), **EPHEMERAL))

    async def do_recall(ack, person, announcement_id, body, respond, client):
        await decide(ack, respond, lambda: desk().recall(person, announcement_id),
                     lambda _: respond(**notice("recalled"), **EPHEMERAL))

    async def do_report(ack, person, announcement_id, body, respond, client):
        await ack()

        async def report() -> None:
            await fill_permalinks(services, client, announcement_id)
            view = await desk().report(person, announcement_id)
            await respond(**build_report(view, language), **EPHEMERAL)
        await later(report, respond)

    async def handle_read(ack, action, body, context, respond):
        person = person_from(context, body)
        announcement_id = row_id(action.get("value")) or 0  # 0: no announcement has it

        async def shown(result: ReadResult) -> None:
            if result.is_new:
                await desk().show_reads(announcement_id)
            await respond(**notice("read_thanks" if result.is_new else "read_already"),
                          **EPHEMERAL)
        # The read is stored before the ack; the counts on the posts follow it.
        await decide(ack, respond, lambda: desk().record_read(
            person, announcement_id, channel_id=_channel_of(body)), shown)

    async def handle_external(ack, action, body, context, respond):
        await ack()
        person = person_from(context, body)
        announcement_id = row_id(action.get("value"))

        async def external() -> None:
            if announcement_id is None:
                raise Unavailable("unknown_announcement")
            announcement = await desk().get(person, announcement_id)
            if announcement.state == Status.RECALLED:
                raise Unavailable("is_recalled")
            await respond(**build_external(external_text(announcement), language), **EPHEMERAL)
        await later(external, respond)

    async def fill_links(now: datetime) -> None:
        """Links for posts that went out without anyone following them (a scheduled send, a
        send before a restart)."""
        for announcement_id in await desk().lacking_links():
            await fill_permalinks(services, app.client, announcement_id)

    services.scheduler.add_due_job(LINKS_JOB, fill_links)
    app.command(ids.COMMAND)(handle_aankondiging_command)
    route_actions(app, {
        ids.READ: handle_read,  # the most frequent first: it is matched first
        ids.TEMPLATE_SELECT: handle_template_select,
        ids.SEND: for_coordinators(do_send),
        ids.ADJUST: for_coordinators(do_adjust),
        ids.DISCARD: for_coordinators(do_discard),
        ids.EDIT: for_coordinators(do_edit),
        ids.CANCEL: for_coordinators(do_cancel),
        ids.RECALL: for_coordinators(do_recall),
        ids.REPORT: for_coordinators(do_report),
        ids.EXTERNAL: handle_external,
    })
    app.view(ids.COMPOSE_CALLBACK)(handle_compose_submission)


def _channel_of(body: dict) -> str:
    return str((body.get("channel") or {}).get("id")
               or (body.get("container") or {}).get("channel_id") or "")
