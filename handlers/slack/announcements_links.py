"""Links from the coordinator's report to each post (chat.getPermalink), and keeping that
report current while a send goes on; the domain only knows that a post landed, not its link."""

import asyncio
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.announcements.desk import AnnouncementDesk
from bot.deps import Services

logger = logging.getLogger(__name__)

# How long the report follows a send for links to the posts, and how often it looks.
FOLLOW_ROUNDS, FOLLOW_PAUSE = 300, 1.0
# The Slack app's due job for posts nobody followed (a scheduled send, one before a restart).
LINKS_JOB = "announcements.slack_links"


def follow(services: Services, client: AsyncWebClient, announcement_id: int) -> None:
    """Keeps the coordinator's report up to date while the posts go out, with a link to each
    post (chat.getPermalink) as it lands. Ends when nothing is waiting any more."""
    services.alongside(_follow(services, client, announcement_id),
                       name=f"announcement-{announcement_id}")


async def _follow(services: Services, client: AsyncWebClient, announcement_id: int) -> None:
    desk = AnnouncementDesk.of(services)
    for _ in range(FOLLOW_ROUNDS):
        try:
            waiting = await desk.follow(announcement_id)
            await fill_permalinks(services, client, announcement_id)
        except Exception:
            logger.exception("following announcement %s failed", announcement_id)
            return
        if not waiting:
            return
        await asyncio.sleep(FOLLOW_PAUSE)


async def fill_permalinks(services: Services, client: AsyncWebClient,
                          announcement_id: int) -> None:
    desk = AnnouncementDesk.of(services)
    links: dict[str, str] = {}
    for post in await desk.posts_without_link(announcement_id):
        try:
            found = await client.chat_getPermalink(
                channel=post.conversation_id or post.channel_id, message_ts=post.message_id or "")
        except SlackApiError as error:
            logger.info("no permalink for %s: %s", post.channel_id, error.response.get("error"))
            continue
        links[post.channel_id] = str(found.get("permalink") or "")
    await desk.record_permalinks(announcement_id, {k: v for k, v in links.items() if v})
