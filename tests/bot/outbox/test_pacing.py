"""The rate gate on a clock of its own: even spacing, never more than the rate in any
window, no catch-up burst after a pause, and a slot is free again once a call is done."""

import asyncio

from bot.outbox.pacing import RateGate


class VirtualTime:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def _calls(gate: RateGate, time: VirtualTime, count: int, *, latency: float = 0.0
                 ) -> list[float]:
    starts = []
    for _ in range(count):
        await gate.acquire()
        starts.append(time.now)
        time.now += latency
        gate.release()
    return starts


def _most_in_any_window(starts: list[float], window: float) -> int:
    return max(sum(1 for other in starts if start <= other < start + window - 1e-9)
               for start in starts)


async def test_calls_are_evenly_spaced_at_the_rate():
    time = VirtualTime()
    gate = RateGate(20.0, monotonic=time.monotonic, sleep=time.sleep)
    starts = await _calls(gate, time, 60)
    gaps = [round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)]
    assert set(gaps) == {0.05}
    assert _most_in_any_window(starts, 1.0) == 20


async def test_slow_answers_never_let_more_than_the_rate_into_a_window():
    time = VirtualTime()
    gate = RateGate(20.0, monotonic=time.monotonic, sleep=time.sleep)
    starts = await _calls(gate, time, 60, latency=0.03)
    # A call counts until its answer came back, so the window is never overfull.
    assert _most_in_any_window(starts, 1.0) <= 20
    assert starts[-1] - starts[0] < 60 / 20 * 1.1


async def test_one_per_second_per_channel():
    time = VirtualTime()
    gate = RateGate(1.0, monotonic=time.monotonic, sleep=time.sleep)
    starts = await _calls(gate, time, 4, latency=0.01)
    assert all(b - a >= 1.0 for a, b in zip(starts, starts[1:], strict=False))


async def test_no_burst_to_catch_up_after_a_pause():
    time = VirtualTime()
    gate = RateGate(20.0, monotonic=time.monotonic, sleep=time.sleep)
    await _calls(gate, time, 5)
    time.now += 3.0  # idle
    starts = await _calls(gate, time, 5)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.05 - 1e-9


async def test_a_call_not_made_frees_its_slot():
    time = VirtualTime()
    gate = RateGate(1.0, monotonic=time.monotonic, sleep=time.sleep)
    await gate.acquire()
    gate.release(called=False)
    await gate.acquire()  # the window has no call in it: only the spacing waits
    assert time.now - 100.0 <= 1.0
    gate.release()
