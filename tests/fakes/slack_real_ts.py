"""Message timestamps from the wall clock for the fake Slack Web API.

`FakeSlackApi.next_ts` counts up from 2023-11-14, which is enough for most tests; a test that
reads history with `oldest=<a real time>` (the outbox looking for a post lost in a crash)
needs Slack's real behaviour: a ts is the epoch seconds of when the message was posted.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .slack_api import FakeSlackApi


def use_real_time_ts(fake: FakeSlackApi) -> None:
    """From now on `fake` stamps messages with the current time (unique, increasing)."""
    last = [0]

    def next_ts() -> str:
        micros = max(time.time_ns() // 1000, last[0] + 1)
        last[0] = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    fake.next_ts = next_ts  # type: ignore[method-assign]
