"""views.open / views.update / views.push / views.publish for the fake Slack Web API."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .block_kit import validate_view
from .slack_state import SlackError, require

if TYPE_CHECKING:
    from .slack_api import FakeSlackApi

# Slack keeps at most three views in a modal's stack.
MAX_STACK = 3


class Views:
    """Open views by id, so tests can read what a user currently sees (``fake.views``)."""

    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self.by_id: dict[str, dict] = {}
        self.home: dict[str, dict] = {}  # user id -> published home tab
        self._counter = itertools.count(1)
        self._hashes = itertools.count(1)
        self._last_root: str | None = None

    def methods(self) -> dict:
        return {
            "views.open": self.open,
            "views.update": self.update,
            "views.push": self.push,
            "views.publish": self.publish,
        }

    # ------------------------------------------------------------------

    @staticmethod
    def check(view: Any, expected_type: str) -> dict:
        if view in (None, ""):
            raise SlackError("invalid_arguments", errors=["missing required field: view"])
        errors = validate_view(view, expected_type=expected_type)
        if errors:
            raise SlackError("invalid_blocks", errors=errors)
        return view

    def _new_hash(self, view_id: str) -> str:
        return f"{1_700_000_000 + next(self._hashes)}.{view_id}"

    def _build(self, view: dict, *, root: str | None = None, previous: str | None = None) -> dict:
        view_id = f"V{next(self._counter):08d}"
        built = {
            "id": view_id,
            "team_id": self.api.team_id,
            "app_id": self.api.app_id,
            "bot_id": self.api.bot_id,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": self._new_hash(view_id),
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
        }
        self.by_id[view_id] = built
        return built

    def _check_external_id(self, view: dict) -> None:
        external_id = view.get("external_id")
        if external_id and any(v.get("external_id") == external_id for v in self.by_id.values()):
            raise SlackError("duplicate_external_id")

    def _stack(self, root: str) -> list[dict]:
        return [v for v in self.by_id.values() if v["root_view_id"] == root]

    # ------------------------------------------------------------------

    def open(self, args: dict) -> dict:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackError("invalid_arguments", errors=["missing required field: trigger_id"])
        view = self.check(args.get("view"), "modal")
        self._check_external_id(view)
        built = self._build(view)
        self._last_root = built["id"]
        return {"view": built}

    def push(self, args: dict) -> dict:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackError("invalid_arguments", errors=["missing required field: trigger_id"])
        view = self.check(args.get("view"), "modal")
        # A trigger id does not say which modal it came from here, so a push lands on the
        # stack of the modal opened last: the one a test is interacting with.
        if self._last_root is None or self._last_root not in self.by_id:
            built = self._build(view)
            self._last_root = built["id"]
            return {"view": built}
        stack = self._stack(self._last_root)
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        self._check_external_id(view)
        return {"view": self._build(view, root=self._last_root, previous=stack[-1]["id"])}

    def update(self, args: dict) -> dict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise SlackError(
                "invalid_arguments", errors=["missing required field: view_id or external_id"]
            )
        view = self.check(args.get("view"), "modal")
        current = self.by_id.get(view_id) if view_id else None
        if current is None and external_id:
            current = next(
                (v for v in self.by_id.values() if v.get("external_id") == external_id), None
            )
        if current is None:
            raise SlackError("not_found")
        given_hash = args.get("hash")
        if given_hash and given_hash != current["hash"]:
            raise SlackError("hash_conflict")
        new_external = view.get("external_id")
        if new_external and any(
            v.get("external_id") == new_external and v["id"] != current["id"]
            for v in self.by_id.values()
        ):
            raise SlackError("duplicate_external_id")
        updated = {
            **{k: current[k] for k in ("id", "team_id", "app_id", "bot_id", "root_view_id")},
            "previous_view_id": current["previous_view_id"],
            "callback_id": "",
            "private_metadata": "",
            "external_id": current.get("external_id", ""),
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
            "hash": self._new_hash(current["id"]),
        }
        self.by_id[current["id"]] = updated
        return {"view": updated}

    def publish(self, args: dict) -> dict:
        require(args, "user_id")
        view = self.check(args.get("view"), "home")
        previous = self.home.get(args["user_id"])
        given_hash = args.get("hash")
        if given_hash and previous is not None and given_hash != previous["hash"]:
            raise SlackError("hash_conflict")
        built = self._build(view)
        self.home[args["user_id"]] = built
        return {"view": built}
