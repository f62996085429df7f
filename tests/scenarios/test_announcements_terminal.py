"""The terminal chat's `aankondiging` flow on the same desk: prompts, posts, the report."""

import io
from datetime import timedelta

from bot.identity import Person
from handlers.terminal.chat import TerminalChat, terminal_builders
from handlers.terminal.sender import TerminalSender


async def test_terminal_flow_asks_posts_and_reports(services, clock):
    printed = io.StringIO()
    services.outbox.add_sender(TerminalSender(printed, terminal_builders()))
    chat = TerminalChat(services, Person("terminal", "local", "sanne"))
    assert "Titel" in await chat.reply("aankondiging")
    assert "bericht" in await chat.reply("Convenant getekend")
    asked = await chat.reply("We hebben *getekend*.\\nFeest!")
    assert "#algemeen" in asked and "#projecten" in asked
    assert "ken ik niet" in await chat.reply("#kantine")
    assert "Nu versturen" in await chat.reply("algemeen, #projecten")
    assert "begrijp ik niet" in await chat.reply("morgen")
    preview = await chat.reply("nu")
    assert preview.startswith("*Convenant getekend*\n\nWe hebben *getekend*.\nFeest!")
    assert "[ja/nee]" in preview
    assert "Verstuurd naar 2" in await chat.reply("ja")

    await services.outbox.run_once(clock())
    output = printed.getvalue()
    assert "── #algemeen ──" in output and "── #projecten ──" in output
    assert "── @sanne ──" in output and "Rapport: Convenant getekend" in output
    await services.scheduler.run_due(clock())
    await services.outbox.run_once(clock() + timedelta(seconds=3))
    assert "2 van 2 afgeleverd" in printed.getvalue()
    assert "verstuurd" in await chat.reply("aankondiging lijst")


async def test_terminal_flow_schedules_for_later_and_rejects_the_past(services, clock):
    chat = TerminalChat(services, Person("terminal", "local", "sanne"))
    for line in ("aankondiging", "Titel", "Tekst", "#algemeen"):
        await chat.reply(line)
    past = services.covenant.local(clock() - timedelta(days=1)).strftime("%d-%m-%Y %H:%M")
    assert "voorbij" in await chat.reply(past)
    future = services.covenant.local(clock() + timedelta(days=1)).strftime("%d-%m-%Y %H:%M")
    assert "[ja/nee]" in await chat.reply(future)
    assert "Ingepland" in await chat.reply("ja")
