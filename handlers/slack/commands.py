"""The slash command /vraag: a question, `help`, or a coordinator's `onbeantwoord`/`feedback`.
Its reply goes to the command's response_url, which Slack shows to the asker only."""

from slack_bolt.async_app import AsyncApp

from bot.deps import Services
from handlers.slack import blocks
from handlers.slack.context import person_from


def register(app: AsyncApp, services: Services) -> None:
    async def handle_vraag_command(ack, command, context, respond):
        await ack()
        person = person_from(context, command)
        typed, channel = command.get("text") or "", command.get("channel_id")

        async def answer() -> None:
            reply = await services.conversation.reply_to(person, typed, channel_id=channel)
            await respond(**blocks.render(reply))

        await services.background.submit(answer)

    app.command("/vraag")(handle_vraag_command)
