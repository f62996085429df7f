"""Block Kit for announcements: pure builders from domain view data to modals and messages,
and the reading of a submitted compose modal back into a draft."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.announcements import drafts
from bot.announcements.desk import POST_TEMPLATE, REPORT_TEMPLATE
from bot.announcements.drafts import Draft
from bot.announcements.models import Status, Variant
from bot.announcements.templates import BODY_LIMIT, TITLE_LIMIT
from bot.announcements.texts import text
from bot.texts import format_date, format_time
from handlers.slack import announcements_ids as ids

SECTION_LIMIT = 3000
FALLBACK_TEXT_LIMIT = 3000
MAX_MESSAGE_BLOCKS = 50


@dataclass
class ModalState:
    """What the modal keeps between opening and submitting (its private_metadata)."""

    mode: str = "new"          # "new", "draft" (adjust a previewed draft), "edit" (after sending)
    announcement_id: int | None = None
    revision: int = 0          # bumped when a template replaces the text
    channel: str = ""          # where the preview goes (the command's channel)
    template: str = ""

    def dumps(self) -> str:
        return json.dumps({"mode": self.mode, "id": self.announcement_id, "rev": self.revision,
                           "channel": self.channel, "template": self.template})

    @classmethod
    def loads(cls, raw: str | None) -> "ModalState":
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        announcement_id = data.get("id")
        return cls(mode=str(data.get("mode") or "new"),
                   announcement_id=announcement_id if isinstance(announcement_id, int) else None,
                   revision=int(data.get("rev") or 0), channel=str(data.get("channel") or ""),
                   template=str(data.get("template") or ""))


@dataclass(frozen=True)
class TemplateChoice:
    key: str
    label: str


# Which input block shows the error of each draft field.
FIELD_BLOCKS = {drafts.TITLE: ids.TITLE_BLOCK, drafts.BODY: ids.BODY_BLOCK,
                drafts.IMAGE_URL: ids.IMAGE_BLOCK, drafts.VARIANT: ids.VARIANT_BLOCK,
                drafts.CHANNELS: ids.CHANNELS_BLOCK, drafts.SEND_AT: ids.SEND_AT_BLOCK}


def block_id(base: str, revision: int) -> str:
    return f"{base}.{revision}"


def modal_errors(errors: dict[str, str], state: ModalState) -> dict[str, str]:
    """Draft field errors as Slack's response_action "errors" (by input block id)."""
    return {block_id(FIELD_BLOCKS[name], state.revision): message
            for name, message in errors.items() if name in FIELD_BLOCKS}


def _plain(value: str, limit: int = 75) -> dict:
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return {"type": "plain_text", "text": value}


def _mrkdwn(value: str) -> dict:
    return {"type": "mrkdwn", "text": value}


def _section(value: str, block: str | None = None) -> dict:
    section = {"type": "section", "text": _mrkdwn(shorten(value, SECTION_LIMIT))}
    if block:
        section["block_id"] = block
    return section


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _option(value: str, label: str) -> dict:
    return {"text": _plain(label), "value": value}


def _input(base: str, state: ModalState, label: str, element: dict, *,
           optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id(base, state.revision),
             "label": _plain(label, 2000), "element": element, "optional": optional}
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def build_compose_modal(draft: Draft, state: ModalState, templates: list[TemplateChoice],
                        language: str = "nl") -> dict:
    """The compose modal: template menu (new drafts), title, text, photo, audience, channels
    and when (not once sent: edits change the text only)."""
    editing = state.mode == "edit"
    blocks: list[dict] = []
    if not editing:
        options = [_option(ids.SCRATCH, text("template_scratch", language))]
        options += [_option(t.key, t.label) for t in templates]
        select = {"type": "static_select", "action_id": ids.TEMPLATE_SELECT,
                  "placeholder": _plain(text("template_placeholder", language), 150),
                  "options": options}
        chosen = next((o for o in options if o["value"] == state.template), None)
        if chosen is not None:
            select["initial_option"] = chosen
        blocks.append({"type": "section", "block_id": ids.TEMPLATE_BLOCK,
                       "text": _mrkdwn(f"*{text('template_label', language)}*"),
                       "accessory": select})
    title_input = {"type": "plain_text_input", "action_id": ids.TITLE_INPUT,
                   "max_length": TITLE_LIMIT}
    body_input = {"type": "plain_text_input", "action_id": ids.BODY_INPUT, "multiline": True,
                  "max_length": BODY_LIMIT}
    image_input = {"type": "plain_text_input", "action_id": ids.IMAGE_INPUT}
    for element, value in ((title_input, draft.title), (body_input, draft.body),
                           (image_input, draft.image_url)):
        if value:
            element["initial_value"] = value
    variants = [_option(Variant.INTERNAL, text("variant_internal", language)),
                _option(Variant.EXTERNAL, text("variant_external", language))]
    variant = {"type": "radio_buttons", "action_id": ids.VARIANT_INPUT, "options": variants,
               "initial_option": variants[1] if draft.variant == Variant.EXTERNAL
               else variants[0]}
    blocks += [
        _input(ids.TITLE_BLOCK, state, text("title_label", language), title_input),
        _input(ids.BODY_BLOCK, state, text("body_label", language), body_input,
               hint=text("body_hint", language)),
        _input(ids.IMAGE_BLOCK, state, text("image_label", language), image_input,
               optional=True, hint=text("image_hint", language)),
        _input(ids.VARIANT_BLOCK, state, text("variant_label", language), variant),
    ]
    if not editing:
        channels = {"type": "multi_conversations_select", "action_id": ids.CHANNELS_INPUT,
                    "placeholder": _plain(text("channels_placeholder", language), 150),
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
        if draft.channels:
            channels["initial_conversations"] = list(draft.channels)
        whens = [_option(ids.WHEN_NOW, text("when_now", language)),
                 _option(ids.WHEN_LATER, text("when_later", language))]
        when = {"type": "radio_buttons", "action_id": ids.WHEN_INPUT, "options": whens,
                "initial_option": whens[1] if draft.later else whens[0]}
        picker: dict = {"type": "datetimepicker", "action_id": ids.SEND_AT_INPUT}
        if draft.send_at is not None:
            picker["initial_date_time"] = int(draft.send_at.timestamp())
        blocks += [
            _input(ids.CHANNELS_BLOCK, state, text("channels_label", language), channels),
            _input(ids.WHEN_BLOCK, state, text("when_label", language), when),
            _input(ids.SEND_AT_BLOCK, state, text("send_at_label", language), picker,
                   optional=True, hint=text("send_at_hint", language)),
        ]
    title_key, submit_key = (("modal_title_edit", "modal_submit_edit") if editing
                             else ("modal_title", "modal_submit"))
    return {"type": "modal", "callback_id": ids.COMPOSE_CALLBACK,
            "title": _plain(text(title_key, language), 24),
            "submit": _plain(text(submit_key, language), 24),
            "close": _plain(text("modal_close", language), 24),
            "private_metadata": state.dumps(), "blocks": blocks}


def draft_from_view(view: dict) -> tuple[Draft, ModalState]:
    """The draft a submitted (or changed) compose modal holds, and the modal's own state."""
    state = ModalState.loads(view.get("private_metadata"))
    values = (view.get("state") or {}).get("values") or {}

    def element(base: str, action: str) -> dict:
        return (values.get(block_id(base, state.revision)) or {}).get(action) or {}

    def selected(base: str, action: str) -> str:
        option = element(base, action).get("selected_option") or {}
        return str(option.get("value") or "")

    moment = element(ids.SEND_AT_BLOCK, ids.SEND_AT_INPUT).get("selected_date_time")
    send_at = datetime.fromtimestamp(int(moment), UTC) if moment else None
    variant = selected(ids.VARIANT_BLOCK, ids.VARIANT_INPUT) or Variant.INTERNAL
    draft = Draft(
        title=element(ids.TITLE_BLOCK, ids.TITLE_INPUT).get("value") or "",
        body=element(ids.BODY_BLOCK, ids.BODY_INPUT).get("value") or "",
        image_url=element(ids.IMAGE_BLOCK, ids.IMAGE_INPUT).get("value") or "",
        variant=variant,
        channels=list(element(ids.CHANNELS_BLOCK, ids.CHANNELS_INPUT)
                      .get("selected_conversations") or []),
        send_at=send_at,
        later=selected(ids.WHEN_BLOCK, ids.WHEN_INPUT) == ids.WHEN_LATER,
    )
    return draft, state


# messages ---------------------------------------------------------------------------------

def _button(label: str, action_id: str, value: str, *, style: str | None = None,
            confirm: dict | None = None) -> dict:
    button = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _confirm(key: str, language: str, *, danger: bool = False) -> dict:
    confirm: dict[str, object] = {"title": _plain(text("confirm_title", language), 100),
                                  "text": _plain(text(key, language), 300),
                                  "confirm": _plain(text("confirm_yes", language), 30),
                                  "deny": _plain(text("confirm_no", language), 30)}
    if danger:
        confirm["style"] = "danger"
    return confirm


def read_line(reads: int, language: str) -> str:
    if reads <= 0:
        return text("read_none", language)
    if reads == 1:
        return text("read_one", language)
    return text("read_many", language, count=reads)


def _content_blocks(view: dict, language: str) -> list[dict]:
    blocks: list[dict] = [{"type": "header", "text": _plain(view["title"], 150)},
                          _section(view["body"])]
    if view.get("image_url"):
        blocks.append({"type": "image", "image_url": view["image_url"],
                       "alt_text": text("image_alt", language)})
    blocks.append({"type": "context",
                   "elements": [_mrkdwn(read_line(int(view.get("reads") or 0), language))]})
    return blocks


def _fallback(view: dict) -> str:
    return shorten(f"{view['title']}\n\n{view['body']}", FALLBACK_TEXT_LIMIT)


def build_post(view: dict, language: str = "nl") -> dict:
    """An announcement as it is posted in a channel, with "Gelezen ✔" and its live count."""
    value = str(view["id"])
    buttons = [_button(text("read_button", language), ids.READ, value, style="primary")]
    if view.get("variant") == Variant.EXTERNAL:
        buttons.append(_button(text("external_button", language), ids.EXTERNAL, value))
    blocks = _content_blocks(view, language)
    blocks.append({"type": "actions", "block_id": ids.POST_ACTIONS_BLOCK, "elements": buttons})
    return {"text": _fallback(view), "blocks": blocks}


def channel_list(channels: list[str]) -> str:
    return ", ".join(f"<#{channel}>" for channel in channels)


def when_text(send_at: datetime | None, zone: str, language: str) -> str:
    if send_at is None:
        return text("preview_when_now", language)
    local = send_at.astimezone(ZoneInfo(zone))
    return text("preview_when_later", language, date=format_date(local, language),
                time=format_time(local, language))


def build_preview(view: dict, channels: list[str], when: str, language: str = "nl") -> dict:
    """The post exactly as recipients see it (without its buttons), for the coordinator only,
    with Versturen / Aanpassen / Annuleren."""
    value = str(view["id"])
    blocks = [_section(text("preview_intro", language, channels=channel_list(channels))),
              {"type": "divider"}]
    blocks += _content_blocks(view, language)
    blocks += [{"type": "divider"}, {"type": "context", "elements": [_mrkdwn(when)]},
               {"type": "actions", "block_id": ids.PREVIEW_ACTIONS_BLOCK, "elements": [
                   _button(text("send", language), ids.SEND, value, style="primary"),
                   _button(text("adjust", language), ids.ADJUST, value),
                   _button(text("discard", language), ids.DISCARD, value)]}]
    return {"text": _fallback(view), "blocks": blocks}


def _reason(code: str, language: str) -> str:
    try:
        return text.raw(f"reason_{code}", language) if code else ""
    except KeyError:
        return text("reason_other", language, code=code)


def report_lines(view: dict, language: str, *, links: bool = True) -> list[str]:
    lines = []
    for row in view["rows"]:
        channel = f"<#{row['channel']}>" if links else row["channel"]
        status = row["status"]
        if status == "delivered":
            line = text("report_delivered", language, channel=channel, reads=row["reads"])
            if links and row.get("permalink"):
                line += f" · <{row['permalink']}|{text('report_link', language)}>"
        elif status == "failed":
            line = text("report_failed", language, channel=channel,
                        reason=_reason(row["reason"], language))
        else:
            line = text(f"report_{status}", language, channel=channel)
        lines.append(line)
    return lines


def report_summary(view: dict, language: str) -> str:
    summary = text("report_summary", language, state=text(f"state_{view['state']}", language),
                   delivered=view["delivered"], total=view["total"], failed=view["failed"],
                   reads=view["reads"])
    if view.get("send_at") and view["state"] == Status.SCHEDULED:
        local = datetime.fromisoformat(view["send_at"])
        summary += " · " + when_text(local, str(local.tzinfo or "UTC"), language)
    return summary


def build_report(view: dict, language: str = "nl") -> dict:
    """The delivery report: per channel delivered (with a link), waiting or failed (with what
    to do about it), and the reads under each post."""
    title = text("report_title", language, title=view["title"])
    blocks = [{"type": "header", "text": _plain(title, 150)},
              {"type": "context", "elements": [_mrkdwn(report_summary(view, language))]}]
    chunk = ""
    for line in report_lines(view, language):
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    blocks = blocks[:MAX_MESSAGE_BLOCKS]
    return {"text": f"{title}: {report_summary(view, language)}", "blocks": blocks}


def build_list(items: list[dict], language: str = "nl") -> dict:
    """Recent announcements with their state and what a coordinator can do with each.
    `items`: id, title, state, channels (count), when (text)."""
    if not items:
        return build_notice(text("list_empty", language))
    blocks: list[dict] = [_section(text("list_title", language))]
    for item in items:
        value = str(item["id"])
        blocks.append(_section(text("list_line", language, title=item["title"],
                                    state=text(f"state_{item['state']}", language),
                                    channels=item["channels"], when=item["when"])))
        state = item["state"]
        buttons = []
        if state != Status.DRAFT:
            buttons.append(_button(text("report", language), ids.REPORT, value))
        if state in (Status.DRAFT, Status.SCHEDULED, Status.SENDING, Status.SENT):
            buttons.append(_button(text("edit", language), ids.EDIT, value,
                                   confirm=_confirm("confirm_edit", language)
                                   if state in (Status.SENDING, Status.SENT) else None))
        if state in (Status.SCHEDULED, Status.SENDING):
            buttons.append(_button(text("cancel", language), ids.CANCEL, value,
                                   confirm=_confirm("confirm_cancel", language, danger=True)))
        if state in (Status.SENDING, Status.SENT, Status.CANCELLED):
            buttons.append(_button(text("recall", language), ids.RECALL, value, style="danger",
                                   confirm=_confirm("confirm_recall", language, danger=True)))
        if state != Status.RECALLED:
            buttons.append(_button(text("external_button", language), ids.EXTERNAL, value))
        blocks.append({"type": "actions", "block_id": f"{ids.LIST_ACTIONS_PREFIX}{value}",
                       "elements": buttons})
    return {"text": text("list_title", language).strip("*"), "blocks": blocks[:50]}


def build_external(markdown: str, language: str = "nl") -> dict:
    """The external text in a code block, ready to copy."""
    blocks = [_section(text("external_intro", language))]
    rest = markdown
    while rest:
        piece, rest = rest[: SECTION_LIMIT - 8], rest[SECTION_LIMIT - 8:]
        blocks.append(_section(f"```{piece}```"))
    return {"text": shorten(markdown, FALLBACK_TEXT_LIMIT), "blocks": blocks}


def build_notice(message: str) -> dict:
    return {"text": message, "blocks": [_section(message)]}


# The outbox renders these at send time (handlers.slack.slack_builders).
BUILDERS = {POST_TEMPLATE: build_post, REPORT_TEMPLATE: build_report}
