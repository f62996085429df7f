"""`aankondiging` in the terminal chat: the same announcement desk as Slack, asked as prompts
(title, text, channels from a small demo list, now or later); the outbox prints the posts and
the report as it sends them."""

from datetime import datetime

from bot.announcements.desk import (
    POST_TEMPLATE,
    REPORT_TEMPLATE,
    AnnouncementDesk,
    Invalid,
    Unavailable,
    aware,
)
from bot.announcements.drafts import BODY, CHANNELS, SEND_AT, TITLE, Draft
from bot.announcements.models import Status
from bot.announcements.texts import channel_count, text
from bot.texts import format_date, format_time

DEMO_CHANNELS = ("#algemeen", "#communicatie", "#projecten")
YES = {"ja", "j", "yes", "y"}
NOW = {"nu", "now", ""}
TIME_FORMAT = "%d-%m-%Y %H:%M"


async def start(chat, rest: str) -> str:
    """`aankondiging` (or `aankondiging nieuw`) asks for a new one; `aankondiging lijst`."""
    if rest.strip().lower() in ("lijst", "list"):
        return await _list(chat)
    return _ask(chat, Draft(), TITLE, set())


ORDER = (TITLE, BODY, CHANNELS, SEND_AT)


def _ask(chat, draft: Draft, field: str, asked: set[str]) -> str:
    """Asks for `field`; the answer fills it in and moves on to the next unanswered one."""
    language = chat.language

    async def answer(line: str) -> str:
        asked.add(field)
        if field == TITLE:
            draft.title = line
        elif field == BODY:
            draft.body = line.replace("\\n", "\n")
        elif field == CHANNELS:
            names = [_channel(name) for name in line.replace(" ", ",").split(",") if name]
            unknown = [name for name in names if name not in DEMO_CHANNELS]
            if unknown or not names:
                chat.pending = answer
                return text("unknown_channels", language, names=", ".join(unknown) or "-",
                            channels=", ".join(DEMO_CHANNELS))
            draft.channels = names
        elif field == SEND_AT:
            if line.strip().lower() in NOW:
                draft.later, draft.send_at = False, None
            else:
                try:
                    local = datetime.strptime(line.strip(), TIME_FORMAT)
                except ValueError:
                    chat.pending = answer
                    return text("bad_when", language)
                draft.later = True
                draft.send_at = local.replace(tzinfo=chat.services.covenant.zone)
        return await _next(chat, draft, asked)

    chat.pending = answer
    if field == TITLE:
        return text("ask_title", language)
    if field == BODY:
        return text("ask_body", language)
    if field == CHANNELS:
        return text("ask_channels", language, channels=", ".join(DEMO_CHANNELS))
    return text("ask_when", language)


async def _next(chat, draft: Draft, asked: set[str]) -> str:
    for field in ORDER:
        if field not in asked:
            return _ask(chat, draft, field, asked)
    desk = AnnouncementDesk.of(chat.services)
    errors = desk.problems(draft)
    wrong = [field for field in ORDER if field in errors]
    if wrong:
        return errors[wrong[0]] + "\n" + _ask(chat, draft, wrong[0], asked)
    try:
        announcement = await desk.save_draft(chat.person, draft)
    except Invalid as error:
        return "\n".join(error.errors.values())
    preview = post_text({"title": announcement.title, "body": announcement.body,
                         "image_url": announcement.image_url, "reads": 0}, chat.language)["text"]

    async def confirm(line: str) -> str:
        if line.strip().lower() not in YES:
            await desk.discard(chat.person, announcement.id or 0)
            return text("stopped", chat.language)
        try:
            sent = await desk.send(chat.person, announcement.id or 0)
        except Unavailable as error:
            return text(error.reason, chat.language)
        if sent.state == Status.SCHEDULED:
            local = chat.services.covenant.local(aware(sent.send_at))
            return text("scheduled", chat.language, date=format_date(local, chat.language),
                        time=format_time(local, chat.language),
                        channels=channel_count(len(sent.channels), chat.language))
        return text("sent_now", chat.language,
                    channels=channel_count(len(sent.channels), chat.language))

    chat.pending = confirm
    return f"{preview}\n\n{text('ask_confirm', chat.language)}"


async def _list(chat) -> str:
    desk = AnnouncementDesk.of(chat.services)
    announcements = await desk.recent(chat.person)
    if not announcements:
        return text("list_empty", chat.language)
    lines = [text("list_title", chat.language).strip("*")]
    for a in announcements:
        lines.append(f"- [{a.id}] {a.title} ({text(f'state_{a.state}', chat.language)}, "
                     f"{', '.join(a.channels)})")
    return "\n".join(lines)


def _channel(name: str) -> str:
    name = name.strip().lower()
    return name if name.startswith("#") else f"#{name}"


def _reads(reads: int, language: str) -> str:
    if reads <= 0:
        return text("read_none", language)
    if reads == 1:
        return text("read_one", language)
    return text("read_many", language, count=reads)


def post_text(view: dict, language: str = "nl") -> dict:
    parts = [f"*{view['title']}*", view["body"]]
    if view.get("image_url"):
        parts.append(f"[foto: {view['image_url']}]")
    parts.append(f"({_reads(int(view.get('reads') or 0), language)})")
    return {"text": "\n\n".join(parts)}


def report_text(view: dict, language: str = "nl") -> dict:
    lines = [text("report_title", language, title=view["title"]),
             text("report_summary", language, state=text(f"state_{view['state']}", language),
                  delivered=view["delivered"], total=view["total"], failed=view["failed"],
                  reads=view["reads"])]
    for row in view["rows"]:
        status = row["status"]
        if status == "delivered":
            lines.append(text("report_delivered", language, channel=row["channel"],
                              reads=row["reads"]))
        elif status == "failed":
            lines.append(text("report_failed", language, channel=row["channel"],
                              reason=row["reason"]))
        else:
            lines.append(text(f"report_{status}", language, channel=row["channel"]))
    return {"text": "\n".join(lines)}


COMMANDS = {"aankondiging": start}
BUILDERS = {POST_TEMPLATE: post_text, REPORT_TEMPLATE: report_text}
