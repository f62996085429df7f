"""What the outbox renders at send time: an announcement post with its live read count, and
the coordinator's delivery report. View data is plain JSON, so every platform can build it."""

import re
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.announcements.desk import (
    POST_TEMPLATE,
    REPORT_TEMPLATE,
    aware,
    read_count,
    reads_per_channel,
)
from bot.announcements.models import Announcement, Status
from bot.outbox.models import State
from bot.outbox.queue import deliveries

# Report row statuses.
DELIVERED, WAITING, FAILED, CANCELLED, DELETED = (
    "delivered", "waiting", "failed", "cancelled", "deleted")


def post_view(announcement: Announcement, reads: int) -> dict:
    return {"id": announcement.id, "title": announcement.title, "body": announcement.body,
            "image_url": announcement.image_url, "variant": announcement.variant,
            "state": announcement.state, "version": announcement.version, "reads": reads}


async def load_post(session: AsyncSession, data: dict) -> dict | None:
    """The post as of now; None (drop it) when the announcement is gone."""
    if "announcement" not in data:
        return data  # a delete (recall) carries no data and renders nothing
    announcement = await session.get(Announcement, int(data["announcement"] or 0))
    if announcement is None:
        return None
    return post_view(announcement, await read_count(session, announcement.id or 0))


async def report_view(session: AsyncSession, announcement: Announcement,
                      zone: str = "Europe/Amsterdam") -> dict:
    """Per channel: delivered (with a link), waiting or failed (with the platform's reason),
    and the reads under each post."""
    assert announcement.id is not None
    posts = {d.channel_id: d for d in await deliveries(session, topic=announcement.topic)}
    per_channel = await reads_per_channel(session, announcement.id)
    rows = []
    for channel in announcement.channels:
        post = posts.get(channel)
        status, reason = _status(announcement, post)
        rows.append({"channel": channel, "status": status, "reason": reason,
                     "permalink": announcement.permalinks.get(channel, ""),
                     "reads": per_channel.get(channel, 0)})
    send_at = announcement.send_at
    local = ""
    if send_at is not None:
        local = (aware(send_at) or send_at).astimezone(ZoneInfo(zone)).isoformat()
    return {
        "id": announcement.id, "title": announcement.title, "state": announcement.state,
        "send_at": local, "rows": rows, "total": len(rows),
        "delivered": sum(1 for r in rows if r["status"] == DELIVERED),
        "failed": sum(1 for r in rows if r["status"] == FAILED),
        "reads": sum(per_channel.values()),
    }


async def load_report(session: AsyncSession, data: dict) -> dict | None:
    if "announcement" not in data:
        return data
    announcement = await session.get(Announcement, int(data.get("announcement") or 0))
    if announcement is None:
        return None
    return await report_view(session, announcement, str(data.get("zone") or "Europe/Amsterdam"))


def _status(announcement: Announcement, post) -> tuple[str, str]:
    if post is None:
        return (CANCELLED if announcement.state in (Status.CANCELLED, Status.RECALLED)
                else WAITING), ""
    if post.state == State.SENT:
        return (DELETED if announcement.state == Status.RECALLED else DELIVERED), ""
    if post.state == State.FAILED:
        return FAILED, post.error or "unknown_error"
    if post.state == State.CANCELLED:
        return CANCELLED, ""
    return WAITING, ""


def external_text(announcement: Announcement) -> str:
    """The announcement as Markdown for a website or LinkedIn: Slack's *bold*, _italic_ and
    <link|label> become Markdown, and the photo a Markdown image."""
    parts = [f"# {announcement.title}", slack_to_markdown(announcement.body)]
    if announcement.image_url:
        parts.append(f"![]({announcement.image_url})")
    return "\n\n".join(parts)


def slack_to_markdown(text: str) -> str:
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"[\2](\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"**\1**", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"*\1*", text)
    return text.replace("•", "-")


# The outbox's view loaders of this capability, by template name (bot.app.domain_views).
VIEWS = {POST_TEMPLATE: load_post, REPORT_TEMPLATE: load_report}
