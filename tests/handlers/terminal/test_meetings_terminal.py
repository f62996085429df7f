"""The terminal chat: a coordinator creates a meeting by prompts; people sign up, answer
organisation and role by number, withdraw; the list shows them."""

import io
from datetime import timedelta

from bot.identity import Person
from handlers.terminal.chat import TerminalChat, terminal_builders
from handlers.terminal.sender import TerminalSender


async def test_create_sign_up_profile_and_list_in_the_terminal(services, clock):
    printed = io.StringIO()
    services.outbox.add_sender(TerminalSender(printed, terminal_builders()))
    chat = TerminalChat(services, Person("terminal", "local", "anna"))
    day = (clock() + timedelta(days=12)).date().isoformat()
    assert "Titel" in await chat.reply("bijeenkomst nieuw")
    assert "Sessies" in await chat.reply("")
    assert "begrijp" in await chat.reply("morgen ergens")
    assert "✓ 1" in await chat.reply(f"{day} 09:30-12:00 1 Stadhuis Voorbeeldstad")
    assert "✓ 2" in await chat.reply(f"{day} 13:30-16:00 1 Online")
    assert "deadline" in (await chat.reply("")).lower()
    shown = await chat.reply("")
    assert "Kennismaking met het convenant" in shown and "nog 1 van 1 plekken vrij" in shown
    assert "[1] Aanmelden" in shown
    asked = await chat.reply("1")
    assert asked.startswith("Je bent aangemeld") and "organisatie" in asked
    assert "rol" in await chat.reply("2")
    assert "Waterschap Voorbeeld" in await chat.reply("3")
    bert = TerminalChat(services, Person("terminal", "local", "bert"))
    await chat.reply("bijeenkomst")
    listing = await chat.reply("bijeenkomst lijst")
    assert "anna (Waterschap Voorbeeld, projectleider)" in listing
    await bert.reply("bijeenkomst")
    assert (await bert.reply("1")).startswith("Deze sessie is vol")
    await chat.reply("bijeenkomst")
    assert (await chat.reply("4")).startswith("Je bent afgemeld")
    await services.outbox.run_once()
    out = printed.getvalue()
    assert "#algemeen" in out and "@bert" in out and "Er kwam een plek vrij" in out
