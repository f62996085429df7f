"""Block Kit validation with Slack's documented limits.

``validate_blocks`` and ``validate_view`` are pure functions: they take the
decoded JSON and return a list of human-readable problems, each prefixed by
the path of the offending value (``"blocks[3].text.text: must be <= 3000
chars"``). An empty list means Slack would accept the payload (as far as this
fake knows).

Limits follow https://docs.slack.dev/reference/block-kit/ (blocks, block
elements, composition objects) and the surface limits (50 blocks in a message,
100 in a modal or home tab).

Why the checks are written by hand, with slack_sdk.models only as a second opinion:
measured with slack_sdk 3.48, ``Block.parse(b).validate_json()`` caught 5 of the 15
limit violations in test_validate_blocks_reports_limit_violations (block-level text
lengths, fields/elements counts, block_id length). It does not validate elements
inside blocks (a 76-char button label, a 256-char action_id, 101 select options all
pass), nor duplicate block/action ids, button styles, text object types or empty
text, and it returns None for unknown block types. ``View(**view).validate_json()``
catches title/submit/close/callback_id/private_metadata/block-count limits but not a
mrkdwn title, a long external_id or input blocks without submit. Its errors carry no
path and stop at the first problem. So the hand checks stay authoritative, and
slack_sdk.models is consulted only for blocks and views the hand checks found fine,
so that a limit slack_sdk knows and this module does not still fails the test.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX_CHARS = 40_000

BLOCK_ID_MAX = 255
ACTION_ID_MAX = 255

BUTTON_STYLES = {"primary", "danger"}
TEXT_TYPES = {"plain_text", "mrkdwn"}

# Elements that only take a placeholder (and an action_id) as far as limits go.
_PICKER_ELEMENTS = {
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "external_select",
    "multi_external_select",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "file_input",
}
_STATIC_SELECTS = {"static_select", "multi_static_select"}
_INTERACTIVE_ELEMENTS = (
    {"button", "overflow", "checkboxes", "radio_buttons", "plain_text_input", "workflow_button"}
    | _STATIC_SELECTS
    | _PICKER_ELEMENTS
)
# Blocks accepted with only structural checks.
_LOOSE_BLOCKS = {"rich_text", "file", "video", "call", "table"}


class _Checker:
    """Collects problems while walking a payload."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # --- primitives -------------------------------------------------------

    def string(self, value: Any, path: str, *, max_len: int, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(path, "is required")
            return
        if not isinstance(value, str):
            self.add(path, "must be a string")
        elif required and not value:
            self.add(path, "must not be empty")
        elif len(value) > max_len:
            self.add(path, f"must be <= {max_len} chars (got {len(value)})")

    def text_object(
        self,
        obj: Any,
        path: str,
        *,
        max_len: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.add(path, "is required")
            return
        if not isinstance(obj, dict):
            self.add(path, "must be a text object ({'type': ..., 'text': ...})")
            return
        kind = obj.get("type")
        if kind not in TEXT_TYPES:
            self.add(f"{path}.type", f"must be plain_text or mrkdwn (got {kind!r})")
            return
        if plain_only and kind != "plain_text":
            self.add(f"{path}.type", "must be plain_text")
        if kind == "mrkdwn" and "emoji" in obj:
            self.add(f"{path}.emoji", "is only allowed on plain_text")
        if kind == "plain_text" and "verbatim" in obj:
            self.add(f"{path}.verbatim", "is only allowed on mrkdwn")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.add(f"{path}.text", "must be a non-empty string")
        elif len(text) > max_len:
            self.add(f"{path}.text", f"must be <= {max_len} chars (got {len(text)})")

    def array(self, value: Any, path: str, *, max_items: int, min_items: int = 0) -> list:
        if not isinstance(value, list):
            self.add(path, "must be an array")
            return []
        if len(value) > max_items:
            self.add(path, f"must have <= {max_items} items (got {len(value)})")
        if len(value) < min_items:
            self.add(path, f"must have >= {min_items} items (got {len(value)})")
        return value

    # --- composition objects ---------------------------------------------

    def option(self, opt: Any, path: str, *, plain_only: bool) -> None:
        if not isinstance(opt, dict):
            self.add(path, "must be an option object")
            return
        self.text_object(opt.get("text"), f"{path}.text", max_len=75, plain_only=plain_only)
        self.string(opt.get("value"), f"{path}.value", max_len=150, required=True)
        self.text_object(
            opt.get("description"),
            f"{path}.description",
            max_len=75,
            plain_only=plain_only,
            required=False,
        )
        self.string(opt.get("url"), f"{path}.url", max_len=3000)

    def options(
        self, opts: Any, path: str, *, max_items: int, min_items: int = 1, plain_only: bool
    ) -> list:
        items = self.array(opts, path, max_items=max_items, min_items=min_items)
        for i, opt in enumerate(items):
            self.option(opt, f"{path}[{i}]", plain_only=plain_only)
        return items

    def confirm(self, obj: Any, path: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.add(path, "must be a confirmation dialog object")
            return
        self.text_object(obj.get("title"), f"{path}.title", max_len=100, plain_only=True)
        self.text_object(obj.get("text"), f"{path}.text", max_len=300)
        self.text_object(obj.get("confirm"), f"{path}.confirm", max_len=30, plain_only=True)
        self.text_object(obj.get("deny"), f"{path}.deny", max_len=30, plain_only=True)
        if obj.get("style") is not None and obj.get("style") not in BUTTON_STYLES:
            self.add(f"{path}.style", "must be primary or danger")

    # --- elements ---------------------------------------------------------

    def element(self, el: Any, path: str, *, allow_image: bool) -> None:
        if not isinstance(el, dict):
            self.add(path, "must be an element object")
            return
        kind = el.get("type")
        if kind == "image":
            if not allow_image:
                self.add(f"{path}.type", "image elements are not allowed here")
            self.image_element(el, path)
            return
        if kind not in _INTERACTIVE_ELEMENTS:
            self.add(f"{path}.type", f"unknown element type {kind!r}")
            return
        self.string(el.get("action_id"), f"{path}.action_id", max_len=ACTION_ID_MAX)
        self.confirm(el.get("confirm"), f"{path}.confirm")
        if "placeholder" in el:
            self.text_object(
                el.get("placeholder"), f"{path}.placeholder", max_len=150, plain_only=True
            )

        if kind == "button":
            self.text_object(el.get("text"), f"{path}.text", max_len=75, plain_only=True)
            self.string(el.get("value"), f"{path}.value", max_len=2000)
            self.string(el.get("url"), f"{path}.url", max_len=3000)
            self.string(el.get("accessibility_label"), f"{path}.accessibility_label", max_len=75)
            style = el.get("style")
            if style is not None and style not in BUTTON_STYLES:
                self.add(f"{path}.style", f"must be primary or danger (got {style!r})")
        elif kind in _STATIC_SELECTS:
            self.static_select(el, path)
        elif kind == "overflow":
            self.options(el.get("options"), f"{path}.options", max_items=5, plain_only=True)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(el.get("options"), f"{path}.options", max_items=10, plain_only=False)
        elif kind == "plain_text_input":
            max_length = el.get("max_length")
            if max_length is not None and (
                not isinstance(max_length, int) or not 1 <= max_length <= 3000
            ):
                self.add(f"{path}.max_length", "must be an integer between 1 and 3000")

    def static_select(self, el: dict, path: str) -> None:
        has_options = "options" in el
        has_groups = "option_groups" in el
        if has_options == has_groups:
            self.add(path, "must have exactly one of options or option_groups")
            return
        values: set[str] = set()
        if has_options:
            for opt in self.options(
                el["options"], f"{path}.options", max_items=100, plain_only=True
            ):
                if isinstance(opt, dict) and isinstance(opt.get("value"), str):
                    values.add(opt["value"])
        else:
            groups = self.array(
                el["option_groups"], f"{path}.option_groups", max_items=100, min_items=1
            )
            for i, group in enumerate(groups):
                gpath = f"{path}.option_groups[{i}]"
                if not isinstance(group, dict):
                    self.add(gpath, "must be an option group object")
                    continue
                self.text_object(group.get("label"), f"{gpath}.label", max_len=75, plain_only=True)
                for opt in self.options(
                    group.get("options"), f"{gpath}.options", max_items=100, plain_only=True
                ):
                    if isinstance(opt, dict) and isinstance(opt.get("value"), str):
                        values.add(opt["value"])
        initial = el.get("initial_option")
        if isinstance(initial, dict) and initial.get("value") not in values:
            self.add(f"{path}.initial_option", "must be one of the options")

    def image_element(self, el: dict, path: str) -> None:
        if "image_url" not in el and "slack_file" not in el:
            self.add(path, "must have image_url or slack_file")
        self.string(el.get("image_url"), f"{path}.image_url", max_len=3000)
        self.string(el.get("alt_text"), f"{path}.alt_text", max_len=2000, required=True)

    def unique_action_ids(self, elements: list, path: str) -> None:
        seen: set[str] = set()
        for i, el in enumerate(elements):
            action_id = el.get("action_id") if isinstance(el, dict) else None
            if not isinstance(action_id, str):
                continue
            if action_id in seen:
                self.add(
                    f"{path}[{i}].action_id", f"duplicate action_id {action_id!r} in the same block"
                )
            seen.add(action_id)

    # --- blocks -----------------------------------------------------------

    def block(self, block: Any, path: str) -> None:
        if not isinstance(block, dict):
            self.add(path, "must be a block object")
            return
        kind = block.get("type")
        self.string(block.get("block_id"), f"{path}.block_id", max_len=BLOCK_ID_MAX)

        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.add(path, "section must have text or fields")
            if "text" in block:
                self.text_object(block["text"], f"{path}.text", max_len=3000)
            if "fields" in block:
                fields = self.array(block["fields"], f"{path}.fields", max_items=10, min_items=1)
                for i, field in enumerate(fields):
                    self.text_object(field, f"{path}.fields[{i}]", max_len=2000)
            if "accessory" in block:
                self.element(block["accessory"], f"{path}.accessory", allow_image=True)
        elif kind == "divider":
            pass
        elif kind == "header":
            self.text_object(block.get("text"), f"{path}.text", max_len=150, plain_only=True)
        elif kind == "context":
            elements = self.array(
                block.get("elements"), f"{path}.elements", max_items=10, min_items=1
            )
            for i, el in enumerate(elements):
                epath = f"{path}.elements[{i}]"
                if isinstance(el, dict) and el.get("type") == "image":
                    self.image_element(el, epath)
                else:
                    self.text_object(el, epath, max_len=3000)
        elif kind == "actions":
            elements = self.array(
                block.get("elements"), f"{path}.elements", max_items=25, min_items=1
            )
            for i, el in enumerate(elements):
                self.element(el, f"{path}.elements[{i}]", allow_image=False)
            self.unique_action_ids(elements, f"{path}.elements")
        elif kind == "image":
            self.image_element(block, path)
            self.text_object(
                block.get("title"), f"{path}.title", max_len=2000, plain_only=True, required=False
            )
        elif kind == "input":
            self.text_object(block.get("label"), f"{path}.label", max_len=2000, plain_only=True)
            self.text_object(
                block.get("hint"), f"{path}.hint", max_len=2000, plain_only=True, required=False
            )
            if "element" not in block:
                self.add(f"{path}.element", "is required")
            else:
                self.element(block["element"], f"{path}.element", allow_image=False)
        elif kind == "markdown":
            self.string(block.get("text"), f"{path}.text", max_len=12_000, required=True)
        elif kind in _LOOSE_BLOCKS:
            if kind == "rich_text" and not isinstance(block.get("elements"), list):
                self.add(f"{path}.elements", "must be an array")
        else:
            self.add(f"{path}.type", f"unknown block type {kind!r}")


def _sdk_problem(build: Any) -> str | None:
    """slack_sdk.models' objection to a payload, if any (see the module docstring)."""
    try:
        model = build()
        if model is not None:
            model.validate_json()
    except SlackObjectFormationError as error:
        return f"{error} (slack_sdk.models)"
    except Exception:  # noqa: BLE001 - shapes the models cannot load are judged by hand
        return None
    return None


def validate_blocks(
    blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS, path: str = "blocks"
) -> list[str]:
    """Problems Slack would report for this ``blocks`` array ([] if valid)."""
    checker = _Checker()
    items = checker.array(blocks, path, max_items=max_blocks)
    seen_block_ids: set[str] = set()
    for i, block in enumerate(items):
        checker.block(block, f"{path}[{i}]")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                checker.add(f"{path}[{i}].block_id", f"duplicate block_id {block_id!r}")
            seen_block_ids.add(block_id)
    for i, block in enumerate(items):
        block_path = f"{path}[{i}]"
        if isinstance(block, dict) and not any(
            e.startswith((f"{block_path}.", f"{block_path}:")) for e in checker.errors
        ):
            problem = _sdk_problem(lambda block=block: Block.parse(block))
            if problem:
                checker.add(block_path, problem)
    return checker.errors


def validate_view(view: Any, *, expected_type: str | None = None) -> list[str]:
    """Problems Slack would report for a modal or home tab view ([] if valid)."""
    checker = _Checker()
    if not isinstance(view, dict):
        return ["view: must be a view object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.add("view.type", f"must be modal or home (got {kind!r})")
    elif expected_type is not None and kind != expected_type:
        checker.add("view.type", f"must be {expected_type} for this method (got {kind!r})")
    checker.string(view.get("callback_id"), "view.callback_id", max_len=255)
    checker.string(view.get("private_metadata"), "view.private_metadata", max_len=3000)
    checker.string(view.get("external_id"), "view.external_id", max_len=255)
    if kind == "modal":
        checker.text_object(view.get("title"), "view.title", max_len=24, plain_only=True)
        checker.text_object(
            view.get("submit"), "view.submit", max_len=24, plain_only=True, required=False
        )
        checker.text_object(
            view.get("close"), "view.close", max_len=24, plain_only=True, required=False
        )
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            checker.add("view.submit", "is required when the view contains input blocks")
    if "blocks" not in view:
        checker.add("view.blocks", "is required")
        return checker.errors
    errors = checker.errors + validate_blocks(
        view["blocks"], max_blocks=VIEW_MAX_BLOCKS, path="view.blocks"
    )
    if not errors:
        problem = _sdk_problem(lambda: View(**view))
        if problem:
            errors.append(f"view: {problem}")
    return errors
