"""Block Kit rendering: a pure function from a platform-neutral Reply to a Slack message.
Every word a user reads comes from the reply or from the texts catalog."""

from bot.conversation import Choice, Kind, Part, Reply
from bot.questions.texts import text
from handlers.slack import ids

SECTION_LIMIT = 3000
BUTTON_LIMIT = 75
HEADER_LIMIT = 150
ITEM_LIMIT = 2000


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def quoted(passages: str) -> str:
    """Guidance text as a Slack block quote, one '>' per line."""
    return "\n".join(f">{line}" if line else ">" for line in passages.split("\n"))


def render(reply: Reply) -> dict:
    """chat.postMessage / response_url arguments: the summary as `text`, and blocks."""
    blocks = [_block(part, reply.language) for part in reply.parts]
    blocks += _choice_blocks(reply.choices)
    return {"text": shorten(reply.summary, SECTION_LIMIT), "blocks": blocks}


def _block(part: Part, language: str) -> dict:
    if part.kind is Kind.QUOTE:
        body = quoted(part.text)
        return _section(f"{part.intro}\n{body}" if part.intro else body)
    if part.kind is Kind.SOURCE:
        return _context(f"{text('source_icon', language)} {part.text}")
    if part.kind is Kind.NOTE:
        return _context(f"{part.text} <@{part.mention}>" if part.mention else part.text)
    if part.kind is Kind.HEADER:
        return {"type": "header",
                "text": {"type": "plain_text", "text": shorten(part.text, HEADER_LIMIT)}}
    if part.kind is Kind.ITEM:
        return _section("*" + shorten(part.text, ITEM_LIMIT) + "*")
    return _section(part.text)


def _section(mrkdwn: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(mrkdwn, SECTION_LIMIT)}}


def _context(mrkdwn: str) -> dict:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": shorten(mrkdwn, SECTION_LIMIT)}]}


def _choice_blocks(choices: tuple[Choice, ...]) -> list[dict]:
    """One actions block per run of choices that share a block id, in order."""
    blocks: list[dict] = []
    for choice in choices:
        button = ids.CHOICE_BUTTONS[choice.id]
        if not blocks or blocks[-1]["block_id"] != button.block_id:
            blocks.append({"type": "actions", "block_id": button.block_id, "elements": []})
        elements = blocks[-1]["elements"]
        elements.append({
            "type": "button", "action_id": button.action_for(len(elements)),
            "value": choice.value,
            "text": {"type": "plain_text", "text": shorten(choice.label, BUTTON_LIMIT),
                     "emoji": True},
        })
    return blocks
