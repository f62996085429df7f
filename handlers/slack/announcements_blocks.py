"""Block Kit for announcements: pure builders from domain view data to messages (the post,
the preview, the report, the list); the compose modal is in announcements_modal."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.announcements.desk import POST_TEMPLATE, REPORT_TEMPLATE
from bot.announcements.models import Status, Variant
from bot.announcements.texts import channel_count, text
from bot.texts import format_date, format_time
from handlers.slack import announcements_ids as ids

SECTION_LIMIT = 3000
FALLBACK_TEXT_LIMIT = 3000
MAX_MESSAGE_BLOCKS = 50


def plain(value: str, limit: int = 75) -> dict:
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return {"type": "plain_text", "text": value}


def mrkdwn(value: str) -> dict:
    return {"type": "mrkdwn", "text": value}


def _section(value: str, block: str | None = None) -> dict:
    section = {"type": "section", "text": mrkdwn(shorten(value, SECTION_LIMIT))}
    if block:
        section["block_id"] = block
    return section


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _button(label: str, action_id: str, value: str, *, style: str | None = None,
            confirm: dict | None = None) -> dict:
    button = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _confirm(key: str, language: str, *, danger: bool = False) -> dict:
    confirm: dict[str, object] = {"title": plain(text("confirm_title", language), 100),
                                  "text": plain(text(key, language), 300),
                                  "confirm": plain(text("confirm_yes", language), 30),
                                  "deny": plain(text("confirm_no", language), 30)}
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
    blocks: list[dict] = [{"type": "header", "text": plain(view["title"], 150)},
                          _section(view["body"])]
    if view.get("image_url"):
        blocks.append({"type": "image", "image_url": view["image_url"],
                       "alt_text": text("image_alt", language)})
    blocks.append({"type": "context",
                   "elements": [mrkdwn(read_line(int(view.get("reads") or 0), language))]})
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
    blocks += [{"type": "divider"}, {"type": "context", "elements": [mrkdwn(when)]},
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
    blocks = [{"type": "header", "text": plain(title, 150)},
              {"type": "context", "elements": [mrkdwn(report_summary(view, language))]}]
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
                                    channels=channel_count(item["channels"], language),
                                    when=item["when"])))
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
