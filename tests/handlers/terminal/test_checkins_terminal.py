"""The terminal chat: a coordinator plans and starts a check-in, fills it in by numbers,
closes it and sees the results with the chart saved as a PNG whose path is printed."""

import asyncio
import io
import re
from pathlib import Path

from bot.identity import Person
from handlers.terminal.chat import TerminalChat, terminal_builders
from handlers.terminal.sender import TerminalSender


async def test_fill_in_by_numbers_then_close_and_see_results_with_chart(services):
    printed = io.StringIO()
    services.outbox.add_sender(TerminalSender(printed, terminal_builders()))
    chats = [TerminalChat(services, Person("terminal", "local", user))
             for user in ("ans", "bert", "cor")]
    coordinator = chats[0]
    assert "gepland" in await coordinator.reply("checkin plan")
    assert "[1]" in await coordinator.reply("checkin lijst")
    assert "gestart" in await coordinator.reply("checkin start 1")
    assert "Check-in" in printed.getvalue() and "→ checkin" in printed.getvalue()

    for score, chat in enumerate(chats, 2):
        reply = await chat.reply("checkin")
        assert "hetzelfde doel" in reply
        assert "Kies een score" in await chat.reply("9")  # a bad number is asked again
        steps = 0
        while chat.pending is not None and steps < 30:
            steps += 1
            question = reply
            if "[1 " in question:
                reply = await chat.reply(str(score))
            elif "[1]" in question:
                reply = await chat.reply("2")
            else:
                reply = await chat.reply("Goed overleg" if chat is coordinator else "")
        assert "opgeslagen" in reply
    assert "bijgewerkt" not in reply

    shown = await coordinator.reply("checkin sluit 1")
    assert "Respons: 3 antwoorden" in shown and "Goed overleg" in shown
    path = Path(re.search(r"Grafiek opgeslagen: (\S+\.png)", shown).group(1))
    assert (await asyncio.to_thread(path.read_bytes)).startswith(b"\x89PNG")
    assert "Uitslag check-in" in printed.getvalue()
    assert "geen check-in" in (await coordinator.reply("checkin")).lower()
