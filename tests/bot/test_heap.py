"""Full garbage collections between requests, not in the middle of them (bot.heap)."""

import asyncio
import gc

import pytest

from bot.heap import NEVER, CollectWhenQuiet


class _Time:
    """The collector's clock and sleep: sleeping moves the clock; at `until` the run ends."""

    def __init__(self, until: float):
        self.now = 0.0
        self.until = until

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.now > self.until:
            raise asyncio.CancelledError


async def _collections(idle_for, *, until: float) -> list[float]:
    """When the collector ran full collections, with requests paused as `idle_for(now)` says."""
    clock, collected = _Time(until), []
    collector = CollectWhenQuiet(lambda: idle_for(clock.now), monotonic=clock.monotonic,
                                 sleep=clock.sleep,
                                 collect=lambda generation: collected.append(
                                     (clock.now, generation)))
    with pytest.raises(asyncio.CancelledError):
        await collector.run()
    assert {generation for _, generation in collected} <= {2}
    return [at for at, _ in collected]


async def test_a_full_collection_waits_for_requests_to_pause():
    # Requests without a break for 30 s, then none.
    assert await _collections(lambda now: 0.0 if now < 30 else now - 30, until=35) == [30.5]


async def test_under_constant_load_a_full_collection_still_runs_each_minute():
    assert await _collections(lambda now: 0.0, until=150) == [60.0, 120.0]


async def test_an_idle_bot_collects_no_more_than_every_ten_seconds():
    assert await _collections(lambda now: 1000.0, until=35) == [10.0, 20.0, 30.0]


async def test_a_pause_shorter_than_quiet_is_no_pause():
    assert await _collections(lambda now: 0.1, until=59) == []


async def test_automatic_full_collections_are_off_while_it_runs_and_back_after():
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    async def sleep(_seconds: float) -> None:
        seen.append(gc.get_threshold())
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await CollectWhenQuiet(lambda: 0.0, sleep=sleep).run()
    assert seen == [(before[0], before[1], NEVER)]
    assert gc.get_threshold() == before
