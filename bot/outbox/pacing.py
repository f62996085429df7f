"""Pacing: at most `per_second` calls, evenly spaced, never a burst beyond the limit.

A gate lets a call start when (1) its slot has come: slots are 1/rate apart (even spacing)
and (2) fewer than `capacity` calls are in flight or finished within the last `window` seconds
(capacity = max(1, int(rate)), window = capacity / rate). (2) counts a call from when its answer
came back, which is never before the platform counted it, so even when a slow answer bunches
the calls up on the wire no rolling window of the platform sees more than it allows.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateGate:
    def __init__(self, per_second: float, *, monotonic: Monotonic = time.monotonic,
                 sleep: Sleep = asyncio.sleep):
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        self.interval = 1.0 / per_second
        self.capacity = max(1, int(per_second))
        self.window = self.capacity / per_second
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()  # FIFO: callers go in the order they asked
        self._next = float("-inf")  # when the next call may start
        self._in_flight = 0
        self._finished: deque[float] = deque()
        self._released = asyncio.Event()

    @property
    def idle_since(self) -> float | None:
        """When the last call finished, or None while one is waiting or in flight."""
        if self._in_flight or self._lock.locked():
            return None
        return self._finished[-1] if self._finished else self._next

    async def acquire(self) -> None:
        """Waits for this call's turn; the caller must `release` once the call is done."""
        async with self._lock:
            while True:
                now = self._monotonic()
                while self._finished and self._finished[0] <= now - self.window:
                    self._finished.popleft()
                wait = self._next - now
                if self._in_flight + len(self._finished) >= self.capacity:
                    if not self._finished:  # every slot is a call still in flight
                        self._released.clear()
                        await self._released.wait()
                        continue
                    wait = max(wait, self._finished[0] + self.window - now)
                if wait <= 0:
                    break
                await self._sleep(wait)
            # The next slot follows this one's, so a sleep that wakes late does not slow the
            # pace down (the next call may then follow sooner, never beyond the window's
            # count); after a longer stall (or idleness) the schedule starts again from now,
            # so calls never bunch up to catch up.
            on_time = now - self._next <= self.interval
            self._next = (self._next if on_time else now) + self.interval
            self._in_flight += 1

    def release(self, *, called: bool = True) -> None:
        """The call is done (`called=False`: it was not made after all, its slot is free)."""
        self._in_flight -= 1
        if called:
            self._finished.append(self._monotonic())
        self._released.set()
