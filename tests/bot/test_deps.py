"""The services' own lifetime: what runs alongside them ends when they close."""

import asyncio

from bot.app import build_services


async def test_work_running_alongside_is_cancelled_when_the_services_close(
        settings, clock, guidance_index):
    services = await build_services(settings, clock=clock, index=guidance_index)
    started, finished = asyncio.Event(), asyncio.Event()

    async def follow_for_minutes() -> None:
        started.set()
        await asyncio.Event().wait()  # as a report that follows a send for five minutes
        finished.set()

    task = services.alongside(follow_for_minutes(), name="following")
    quick = services.alongside(asyncio.sleep(0), name="done soon")
    await started.wait()
    await quick
    await services.close()
    assert task.cancelled()
    assert not finished.is_set()
