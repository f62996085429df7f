"""The slash command /vraag: a question, `help`, or a coordinator's `onbeantwoord`/`feedback`.
Stored before the ack (claimed by its request signature, so replayed bytes are answered once)
and answered at its response_url, which Slack shows to the asker only.

Over HTTP the endpoint hands /vraag here directly (`direct_commands`), past Bolt, which does
nothing for it that the ack needs: Bolt's dispatch took 40% of the server's CPU at 100
commands in flight (see handlers.slack.endpoint). Socket Mode, and anything that calls the
Bolt app, go through the Bolt listener; both take the same steps (`_accept`)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest

from bot.deps import Services
from bot.questions.requests import Incoming
from handlers.slack.context import person_from
from handlers.slack.middleware import cap_text, error_response
from handlers.slack.replies import add_deliverer

COMMAND = "/vraag"

# A command handled without Bolt: its parsed (and checked) body and its request signature in,
# the HTTP answer out.
DirectCommand = Callable[[dict[str, Any], str], Awaitable[BoltResponse]]


def register(app: AsyncApp, services: Services) -> None:
    add_deliverer(app, services)

    async def handle_vraag_command(ack, command, context, request: AsyncBoltRequest):
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        await _accept(services, command, signature, context)
        await ack()  # sent when this listener returns, so only once the request is stored

    app.command(COMMAND)(handle_vraag_command)


def direct_commands(services: Services) -> dict[str, DirectCommand]:
    """The commands the HTTP endpoint handles itself, by name."""

    async def vraag(command: dict[str, Any], signature: str) -> BoltResponse:
        cap_text(command)  # as the CapText middleware does on Bolt's path
        try:
            await _accept(services, command, signature)
        except Exception as error:  # noqa: BLE001  (answered as Bolt's error handler would)
            return error_response(services, error, command)
        return BoltResponse(status=200, body="")  # what Bolt's ack() sends

    return {COMMAND: vraag}


async def _accept(services: Services, command: dict[str, Any], signature: str,
                  context: Any = None) -> None:
    incoming = Incoming(
        person=person_from(context or {}, command), claim=_claim_of(signature),
        text=command.get("text") or "", channel_id=command.get("channel_id"),
        response_url=command.get("response_url"))
    request_id = await services.requests.accept(incoming)
    if request_id is not None:
        await services.background.submit(lambda: services.requests.answer_later(request_id))


def _claim_of(signature: str) -> str:
    # A signature covers the body and its timestamp, and Slack accepts it for five minutes:
    # the same signature twice is the same command replayed. Socket Mode has none.
    return f"command:{signature or uuid.uuid4().hex}"
