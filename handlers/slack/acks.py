"""Deciding before the ack. What a click or a form decides is stored before Slack gets its
200, so that a crash after the ack cannot lose it; what is said about it comes after (Slack
wants the ack within 3 seconds, and a reply can wait for the acks of others)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
Refusal = TypeVar("Refusal", bound=Exception)
Job = Callable[[], Awaitable[object]]


async def decide_then_ack(ack: Callable[[], Awaitable[object]],
                          decision: Callable[[], Awaitable[T]],
                          then: Callable[[T], Awaitable[object]], *,
                          later: Callable[[Job], Awaitable[object]],
                          refusals: tuple[type[Refusal], ...],
                          refuse: Callable[[Refusal], Awaitable[object]]) -> None:
    """Runs `decision`, acks, and has `later` run `then(decided)`. A refusal (one of
    `refusals`: an unknown id, a wrong state) is acked and answered by `refuse(refusal)`; any
    other error raises before the ack, so Slack hears of it (middleware.error_response)."""
    try:
        decided = await decision()
    except refusals as refusal:
        await ack()
        kept = refusal  # the name `refusal` ends with this block
        await later(lambda: refuse(kept))
        return
    await ack()
    await later(lambda: then(decided))
