"""The garbage collector, kept off the path to an ack (for the serving process only: it sets
the interpreter's thresholds).

- What startup built (the guidance index: some 150,000 objects) is frozen out of collections.
- Full collections run between requests instead of wherever an allocation happens to trigger
  one: the automatic ones are switched off, and `CollectWhenQuiet` runs one when no platform
  request has been handled for QUIET seconds (and the last one is at least MIN_INTERVAL ago),
  or after MAX_INTERVAL whatever the load, so the heap never grows without bound. The young
  generations are still collected as usual (a millisecond or two each).

Why: a full collection stalls the event loop, and every request in flight waits for it. In
bench/outbox_bench.py (100 /vraag in flight, in bursts of 300) one took 27.7 ms in the middle
of a burst, and that burst's ack p99 went from about 40 to 76 ms (2026-11-29).
"""

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

logger = logging.getLogger(__name__)

QUIET = 0.2  # seconds without a request before a full collection
MIN_INTERVAL = 10.0  # seconds between two full collections at least
MAX_INTERVAL = 60.0  # seconds after which a full collection runs, busy or not
CHECK_EVERY = 0.5  # seconds
NEVER = 1 << 30  # a gen-2 threshold no count reaches


@contextlib.asynccontextmanager
async def quiet_heap(idle_for: Callable[[], float]) -> AsyncIterator[None]:
    """Around serving, once startup has built everything: freezes what it built (walking it
    took some 100 ms per full collection), then collects fully only when requests pause."""
    gc.collect()
    gc.freeze()
    collector = asyncio.create_task(CollectWhenQuiet(idle_for).run(), name="collect-when-quiet")
    try:
        yield
    finally:
        collector.cancel()
        await asyncio.gather(collector, return_exceptions=True)


class CollectWhenQuiet:
    """`await run()` (a task for the life of the server): full collections when requests
    pause. `idle_for()` says how long no platform request has been under way (0 during one)."""

    def __init__(self, idle_for: Callable[[], float], *, quiet: float = QUIET,
                 min_interval: float = MIN_INTERVAL, max_interval: float = MAX_INTERVAL,
                 check_every: float = CHECK_EVERY,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 collect: Callable[[int], object] = gc.collect):
        self._idle_for = idle_for
        self._quiet = quiet
        self._min_interval = min_interval
        self._max_interval = max_interval
        self._check_every = check_every
        self._monotonic = monotonic
        self._sleep = sleep
        self._collect = collect

    async def run(self) -> None:
        young, middle, old = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        last = self._monotonic()
        try:
            while True:
                await self._sleep(self._check_every)
                now = self._monotonic()
                since = now - last
                if since >= self._max_interval or (
                        since >= self._min_interval and self._idle_for() >= self._quiet):
                    found = self._collect(2)
                    last = now
                    logger.debug("full collection: %s unreachable, %.1f ms", found,
                                 (self._monotonic() - now) * 1000)
        finally:
            gc.set_threshold(young, middle, old)
