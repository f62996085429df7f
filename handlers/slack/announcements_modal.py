"""The compose modal of announcements: built from a draft, and read back into one when it
is changed or submitted (a pure translation between Block Kit and bot.announcements)."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.announcements import drafts
from bot.announcements.drafts import Draft
from bot.announcements.models import Variant
from bot.announcements.templates import BODY_LIMIT, TITLE_LIMIT
from bot.announcements.texts import text
from handlers.slack import announcements_ids as ids
from handlers.slack.announcements_blocks import mrkdwn, plain


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


def _option(value: str, label: str) -> dict:
    return {"text": plain(label), "value": value}


def _input(base: str, state: ModalState, label: str, element: dict, *,
           optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id(base, state.revision),
             "label": plain(label, 2000), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
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
                  "placeholder": plain(text("template_placeholder", language), 150),
                  "options": options}
        chosen = next((o for o in options if o["value"] == state.template), None)
        if chosen is not None:
            select["initial_option"] = chosen
        blocks.append({"type": "section", "block_id": ids.TEMPLATE_BLOCK,
                       "text": mrkdwn(f"*{text('template_label', language)}*"),
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
                    "placeholder": plain(text("channels_placeholder", language), 150),
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
            "title": plain(text(title_key, language), 24),
            "submit": plain(text(submit_key, language), 24),
            "close": plain(text("modal_close", language), 24),
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
