"""State behind the fake Slack Web API: errors, channels with their messages, rate limits.

Kept apart from ``slack_api.py`` (the HTTP side) so both stay readable.
"""

from __future__ import annotations

import base64
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: dict
    ok: bool
    error: str | None = None
    errors: list[str] = field(default_factory=list)  # details, e.g. for invalid_blocks
    status: int = 200


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, errors: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        self.errors = errors or []
        self.status = status


# Slack answers these with HTTP 500, which slack_sdk's server-error retry handler retries.
SERVER_ERRORS = frozenset({"internal_error", "fatal_error"})


def slack_error(error: str) -> SlackError:
    return SlackError(error, status=500 if error in SERVER_ERRORS else 200)


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def require(args: dict, *names: str, error: str = "invalid_arguments") -> None:
    missing = [name for name in names if args.get(name) in (None, "")]
    if missing:
        raise SlackError(error, errors=[f"missing required field: {name}" for name in missing])


def int_arg(args: dict, name: str, default: int) -> int:
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments", errors=[f"{name}: must be an integer"]) from None


def ts_key(ts: Any) -> tuple[int, int]:
    """Orders Slack timestamps exactly (floats would merge ts values that differ by 1µs)."""
    seconds, _, micros = str(ts).partition(".")
    try:
        return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])
    except ValueError:
        raise SlackError("invalid_arguments", errors=[f"not a timestamp: {ts!r}"]) from None


# Slack's cursors are opaque base64 strings; tests must not depend on their content.
def encode_cursor(value: str) -> str:
    return base64.b64encode(f"next:{value}".encode()).decode()


def decode_cursor(cursor: Any) -> str | None:
    if cursor in (None, ""):
        return None
    try:
        decoded = base64.b64decode(str(cursor), validate=True).decode()
    except ValueError:
        raise SlackError("invalid_cursor") from None
    if not decoded.startswith("next:"):
        raise SlackError("invalid_cursor")
    return decoded[len("next:") :]


@dataclass
class Channel:
    """A conversation as the fake knows it.

    ``members`` is the explicit member list (user ids, without the bot); empty means
    "not set", so ephemeral messages to anyone are accepted. ``messages`` holds every
    message ever posted, including deleted ones (``deleted: True``), oldest first.
    """

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    exists: bool = True
    bot_is_member: bool = True
    restricted: bool = False
    members: list[str] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    ephemerals: list[dict] = field(default_factory=list)
    created: int = 1_700_000_000

    def find(self, ts: Any) -> dict | None:
        for message in self.messages:
            if message["ts"] == ts and not message.get("deleted"):
                return message
        return None

    def info(self, bot_user_id: str) -> dict:
        """The channel object of conversations.info / conversations.join."""
        info: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_im": self.is_im,
            "is_private": self.is_private or self.is_im,
            "is_member": self.bot_is_member,
        }
        if self.is_im:
            info["user"] = self.id[1:]
            return info
        info.update(
            {
                "name": self.name,
                "is_channel": not self.is_private,
                "is_group": self.is_private,
                "is_general": False,
                "num_members": len(self.member_ids(bot_user_id)),
            }
        )
        return info

    def member_ids(self, bot_user_id: str) -> list[str]:
        """Like Slack, the member list names the bot user too (when set and the bot is in)."""
        if not self.members:
            return []
        if self.bot_is_member and bot_user_id not in self.members:
            return [*self.members, bot_user_id]
        return list(self.members)


class RollingWindow:
    """At most ``capacity`` events in any ``window`` seconds (Slack's limits are not buckets)."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        # A burst of at least 1; below 1/s the window stretches (0.5/s: 1 per 2 s).
        self.capacity = max(1, int(per_second))
        self.window = self.capacity / per_second
        self._events: dict[str, deque[float]] = {}

    def wait(self, key: str, now: float) -> float:
        """Seconds until an event for ``key`` would be allowed (0 = allowed now)."""
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) < self.capacity:
            return 0.0
        return events[0] + self.window - now

    def record(self, key: str, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)


@dataclass
class RateLimits:
    """The configured per-channel and workspace limits, checked before a method runs."""

    clock: Callable[[], float]
    per_channel: dict[str, RollingWindow] = field(default_factory=dict)
    workspace: list[tuple[frozenset[str], RollingWindow]] = field(default_factory=list)

    def check(self, method: str, channel: str | None) -> int | None:
        """Records the call and returns None, or returns the Retry-After (whole seconds)."""
        now = self.clock()
        checks: list[tuple[RollingWindow, str]] = []
        channel_window = self.per_channel.get(method)
        if channel_window is not None and channel:
            checks.append((channel_window, channel))
        for methods, window in self.workspace:
            if method in methods:
                checks.append((window, "*"))
        wait = max((window.wait(key, now) for window, key in checks), default=0.0)
        if wait > 0:
            # A refused call is not counted: it never reached Slack's method.
            return max(1, math.ceil(wait))
        for window, key in checks:
            window.record(key, now)
        return None
