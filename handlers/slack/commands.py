"""The slash command /vraag: a question, `help`, or a coordinator's `onbeantwoord`/`feedback`.
Stored before the ack (claimed by its request signature, so replayed bytes are answered once)
and answered at its response_url, which Slack shows to the asker only."""

import uuid

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest

from bot.deps import Services
from bot.questions.requests import Incoming
from handlers.slack.context import person_from
from handlers.slack.replies import add_deliverer

COMMAND = "/vraag"


def register(app: AsyncApp, services: Services) -> None:
    add_deliverer(app, services)

    async def handle_vraag_command(ack, command, context, request: AsyncBoltRequest):
        incoming = Incoming(
            person=person_from(context, command), claim=_claim_of(request),
            text=command.get("text") or "", channel_id=command.get("channel_id"),
            response_url=command.get("response_url"))
        request_id = await services.requests.accept(incoming)
        await ack()  # sent when this listener returns, so only once the request is stored
        if request_id is not None:
            await services.background.submit(lambda: services.requests.answer_later(request_id))

    app.command(COMMAND)(handle_vraag_command)


def _claim_of(request: AsyncBoltRequest) -> str:
    # A signature covers the body and its timestamp, and Slack accepts it for five minutes:
    # the same signature twice is the same command replayed. Socket Mode has none.
    signature = (request.headers.get("x-slack-signature") or [""])[0]
    return f"command:{signature or uuid.uuid4().hex}"
