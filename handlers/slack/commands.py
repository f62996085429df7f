"""The slash command /vraag: a question, `help`, or a coordinator's `onbeantwoord`/`feedback`."""

from slack_bolt.async_app import AsyncApp

from bot.deps import Services
from handlers.slack.context import person_from
from handlers.slack.replies import reply_to


def register(app: AsyncApp, services: Services) -> None:
    async def handle_vraag_command(ack, command, context, respond):
        await ack()
        person = person_from(context, command)
        typed, channel = command.get("text") or "", command.get("channel_id")

        async def answer() -> None:
            await respond(**await reply_to(services, person, typed, channel_id=channel))

        await services.background.submit(answer)

    app.command("/vraag")(handle_vraag_command)
