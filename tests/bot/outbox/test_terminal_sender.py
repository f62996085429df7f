"""The terminal chat's outbox: posts print as they go out, unpaced, in order per channel."""

import io
import time

from bot.identity import ChannelRef
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.models import State
from bot.outbox.queue import enqueue, request_update
from bot.settings import Settings
from handlers.terminal.sender import TEXT_TEMPLATE, TerminalSender
from tests.bot.outbox.conftest import rows


async def test_posts_print_unpaced_in_order(sessions, clock):
    out = io.StringIO()
    dispatcher = Dispatcher(sessions, clock=clock, settings=Settings.model_construct())
    dispatcher.add_sender(TerminalSender(out, {}))
    async with sessions() as session:
        for n in range(5):  # five posts to one channel: Slack's pace would take 4 s
            await enqueue(session, key=f"t:{n}", target=ChannelRef("terminal", "local", "#demo"),
                          template=TEXT_TEMPLATE, data={"text": f"bericht {n}"})
        await enqueue(session, key="t:dm", target=ChannelRef("terminal", "local", user_id="me"),
                      template=TEXT_TEMPLATE, data={"text": "voor jou"})
        await session.commit()
    started = time.monotonic()
    await dispatcher.run_once()
    assert time.monotonic() - started < 2
    printed = out.getvalue()
    assert [printed.index(f"bericht {n}") for n in range(5)] == sorted(
        printed.index(f"bericht {n}") for n in range(5))
    assert "── @me ──\nvoor jou" in printed
    [first, *_] = await rows(sessions)
    assert first.state == State.SENT
    async with sessions() as session:
        await request_update(session, of=first, data={"text": "bericht 0, bijgewerkt"})
        await session.commit()
    await dispatcher.run_once()
    assert "── #demo (bijgewerkt) ──\nbericht 0, bijgewerkt" in out.getvalue()
    await dispatcher.stop()
