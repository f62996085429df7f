"""What a coordinator writes, and what is wrong with it: field errors in the user's language,
keyed by field, so each platform shows them next to the right input."""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlparse

from bot.announcements.models import Variant
from bot.announcements.templates import BODY_LIMIT, TITLE_LIMIT
from bot.announcements.texts import text

IMAGE_URL_LIMIT = 1000
CHANNEL_LIMIT = 100

# Field names: the keys of `problems`; platforms map them to their inputs.
TITLE, BODY, IMAGE_URL, VARIANT, CHANNELS, SEND_AT = (
    "title", "body", "image_url", "variant", "channels", "send_at")


@dataclass
class Draft:
    """An announcement as written: `send_at` None means "now"; `later` without a time is an
    error the coordinator must fix."""

    title: str = ""
    body: str = ""
    image_url: str = ""
    variant: str = Variant.INTERNAL
    channels: list[str] = field(default_factory=list)
    send_at: datetime | None = None
    later: bool = False

    def cleaned(self) -> "Draft":
        return Draft(title=self.title.strip(), body=self.body.strip(),
                     image_url=self.image_url.strip(), variant=self.variant,
                     channels=list(dict.fromkeys(c for c in self.channels if c)),
                     send_at=self.send_at if self.later else None, later=self.later)


def problems(draft: Draft, *, now: datetime, language: str = "nl",
             with_delivery: bool = True) -> dict[str, str]:
    """Every field error of `draft`, by field; empty when it can be saved. Edits of a sent
    announcement pass `with_delivery=False`: channels and time are settled then."""
    found: dict[str, str] = {}
    if not draft.title.strip():
        found[TITLE] = text("error_title_empty", language)
    elif len(draft.title.strip()) > TITLE_LIMIT:
        found[TITLE] = text("error_title_long", language, length=len(draft.title.strip()),
                            limit=TITLE_LIMIT)
    if not draft.body.strip():
        found[BODY] = text("error_body_empty", language)
    elif len(draft.body.strip()) > BODY_LIMIT:
        found[BODY] = text("error_body_long", language, length=len(draft.body.strip()),
                           limit=BODY_LIMIT)
    image = draft.image_url.strip()
    if image:
        parsed = urlparse(image)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in image:
            found[IMAGE_URL] = text("error_image_url", language)
        elif len(image) > IMAGE_URL_LIMIT:
            found[IMAGE_URL] = text("error_image_long", language, limit=IMAGE_URL_LIMIT)
    if draft.variant not in tuple(Variant):
        found[VARIANT] = text("error_variant", language)
    if not with_delivery:
        return found
    if not [c for c in draft.channels if c]:
        found[CHANNELS] = text("error_channels_empty", language)
    elif len(draft.channels) > CHANNEL_LIMIT:
        found[CHANNELS] = text("error_channels_many", language, limit=CHANNEL_LIMIT)
    if draft.later:
        if draft.send_at is None:
            found[SEND_AT] = text("error_send_at_missing", language)
        elif draft.send_at <= now:
            found[SEND_AT] = text("error_send_at_past", language)
    return found
