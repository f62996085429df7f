"""A watchdog for the benchmarks' server: what the event loop was doing when it stalled.

`watch_stalls(loop, threshold_ms)` starts a thread that asks the loop for a tick every 5
milliseconds; while a tick is late by more than the threshold it samples the loop thread's
stack every millisecond, and when the loop answers it prints how long the stall took and
its most frequent stacks to stderr. A stall during which this thread itself woke late was the
whole process waiting for a CPU (another process ran), not the loop's own work: it says so.
"""

import collections
import sys
import threading
import time
import traceback
from asyncio import AbstractEventLoop


def watch_stalls(loop: AbstractEventLoop, threshold_ms: float = 30.0) -> threading.Thread:
    loop_thread = threading.get_ident()
    ticked = threading.Event()

    def watch() -> None:
        while not loop.is_closed():
            ticked.clear()
            asked = time.perf_counter()
            try:
                loop.call_soon_threadsafe(ticked.set)
            except RuntimeError:  # closed meanwhile
                return
            if ticked.wait(threshold_ms / 1000):
                time.sleep(0.005)
                continue
            stacks: collections.Counter[str] = collections.Counter()
            overslept = 0.0
            while not ticked.is_set():
                frame = sys._current_frames().get(loop_thread)
                if frame is not None:
                    stacks["".join(traceback.format_stack(frame, limit=12)[-8:])] += 1
                before = time.perf_counter()
                ticked.wait(0.001)
                overslept = max(overslept, time.perf_counter() - before - 0.001)
            took = (time.perf_counter() - asked) * 1000
            lines = [f"[stall] the event loop answered after {took:.0f} ms "
                     f"(this watcher overslept at most {overslept * 1000:.0f} ms); "
                     f"{sum(stacks.values())} samples, most frequent stacks:"]
            for stack, count in stacks.most_common(3):
                lines.append(f"--- {count} samples\n{stack}")
            print("\n".join(lines), file=sys.stderr, flush=True)

    thread = threading.Thread(target=watch, name="stall-watch", daemon=True)
    thread.start()
    return thread
