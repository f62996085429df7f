"""chat.* and conversations.* of the fake Slack Web API, on top of the channel state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .slack_state import (
    Channel,
    SlackError,
    decode_cursor,
    encode_cursor,
    int_arg,
    require,
    truthy,
    ts_key,
)

if TYPE_CHECKING:
    from .slack_api import FakeSlackApi

HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 999
MEMBERS_DEFAULT_LIMIT = 100
MEMBERS_MAX_LIMIT = 1000


def public_copy(message: dict, *, with_metadata: bool = True) -> dict:
    """A stored message as Slack shows it (no bookkeeping keys)."""
    copy = {k: v for k, v in message.items() if k != "deleted"}
    if not with_metadata:
        copy.pop("metadata", None)
    return copy


def is_top_level(message: dict) -> bool:
    thread_ts = message.get("thread_ts")
    return not thread_ts or thread_ts == message["ts"] or message.get("subtype") == (
        "thread_broadcast"
    )


class Chat:
    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self._reactions: set[tuple[str, str, str]] = set()

    def methods(self) -> dict:
        return {
            "chat.postMessage": self.post_message,
            "chat.postEphemeral": self.post_ephemeral,
            "chat.update": self.update,
            "chat.delete": self.delete,
            "chat.getPermalink": self.get_permalink,
            "conversations.join": self.join,
            "conversations.history": self.history,
            "conversations.replies": self.replies,
            "conversations.members": self.members,
            "conversations.info": self.info,
            "conversations.open": self.open,
            "reactions.add": self.add_reaction,
        }

    # ------------------------------------------------------------------
    # messages

    def _bot_message(self, args: dict, ts: str) -> dict:
        api = self.api
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text") or "",
            "user": api.bot_user_id,
            "bot_id": api.bot_id,
            "app_id": api.app_id,
            "team": api.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        if message.get("thread_ts") and truthy(args.get("reply_broadcast", False)):
            message["subtype"] = "thread_broadcast"
        return message

    def store(self, channel: Channel, message: dict) -> dict:
        """Adds a message to a channel, keeping the parent's thread summary up to date."""
        stored = {**message, "deleted": False}
        channel.messages.append(stored)
        thread_ts = stored.get("thread_ts")
        parent = channel.find(thread_ts) if thread_ts else None
        if parent is not None and parent is not stored:
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            users = parent.setdefault("reply_users", [])
            if stored.get("user") and stored["user"] not in users:
                users.append(stored["user"])
            parent["reply_users_count"] = len(users)
            parent["latest_reply"] = stored["ts"]
        return stored

    def post_message(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        self.api.check_message(args)
        channel = self.api.postable_channel(args["channel"])
        ts = self.api.next_ts()
        message = self.store(channel, self._bot_message(args, ts))
        return {"channel": channel.id, "ts": ts, "message": public_copy(message)}

    def post_ephemeral(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        require(args, "user", error="user_not_in_channel")
        self.api.check_message(args)
        channel = self.api.postable_channel(args["channel"])
        if channel.members and args["user"] not in channel.members:
            raise SlackError("user_not_in_channel")
        ts = self.api.next_ts()
        ephemeral = {"user": args["user"], "ts": ts, "text": args.get("text") or ""}
        for key in ("blocks", "attachments", "thread_ts"):
            if args.get(key):
                ephemeral[key] = args[key]
        channel.ephemerals.append(ephemeral)
        return {"message_ts": ts}

    def _own_message(self, args: dict, not_yours: str) -> tuple[Channel, dict]:
        require(args, "channel", error="channel_not_found")
        require(args, "ts", error="message_not_found")
        channel = self.api.resolve_channel(args["channel"])
        message = channel.find(args["ts"])
        if message is None:
            raise SlackError("message_not_found")
        if message.get("bot_id") != self.api.bot_id:
            raise SlackError(not_yours)
        return channel, message

    def update(self, args: dict) -> dict:
        # Slack validates the new content before it looks the message up.
        self.api.check_message(args)
        channel, message = self._own_message(args, "cant_update_message")
        if channel.is_archived:
            raise SlackError("is_archived")
        message["text"] = args.get("text") or ""
        # Like Slack: blocks, attachments and metadata left out of an update are kept;
        # an empty blocks array removes them.
        for key in ("blocks", "attachments", "metadata"):
            if key in args and args[key] not in (None, ""):
                if args[key]:
                    message[key] = args[key]
                else:
                    message.pop(key, None)
        message["edited"] = {"user": self.api.bot_user_id, "ts": self.api.next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": public_copy(message),
        }

    def delete(self, args: dict) -> dict:
        channel, message = self._own_message(args, "cant_delete_message")
        message["deleted"] = True
        return {"channel": channel.id, "ts": message["ts"]}

    def get_permalink(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        require(args, "message_ts", error="message_not_found")
        channel = self.api.resolve_channel(args["channel"])
        message = channel.find(args["message_ts"])
        if message is None:
            raise SlackError("message_not_found")
        link = f"https://test.slack.com/archives/{channel.id}/p{message['ts'].replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    # ------------------------------------------------------------------
    # conversations

    def _readable_channel(self, args: dict) -> Channel:
        require(args, "channel", error="channel_not_found")
        channel = self.api.resolve_channel(args["channel"])
        # A bot token reads only conversations the bot is in (DMs with the bot included).
        if not channel.bot_is_member and not channel.is_im:
            raise SlackError("not_in_channel")
        return channel

    def join(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        channel = self.api.resolve_channel(args["channel"])
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.bot_is_member:
            return {
                "channel": channel.info(self.api.bot_user_id),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.bot_is_member = True
        return {"channel": channel.info(self.api.bot_user_id)}

    def info(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        channel = self.api.resolve_channel(args["channel"])
        return {"channel": channel.info(self.api.bot_user_id)}

    def history(self, args: dict) -> dict:
        channel = self._readable_channel(args)
        limit = min(max(int_arg(args, "limit", HISTORY_DEFAULT_LIMIT), 1), HISTORY_MAX_LIMIT)
        inclusive = truthy(args.get("inclusive", False))
        oldest = ts_key(args["oldest"]) if args.get("oldest") not in (None, "") else None
        latest = ts_key(args["latest"]) if args.get("latest") not in (None, "") else None
        after = decode_cursor(args.get("cursor"))
        with_metadata = truthy(args.get("include_all_metadata", False))

        def in_range(message: dict) -> bool:
            key = ts_key(message["ts"])
            if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
                return False
            if latest is not None and (key > latest or (key == latest and not inclusive)):
                return False
            # The cursor continues strictly below the last ts of the previous page.
            return after is None or key < ts_key(after)

        found = sorted(
            (
                m
                for m in channel.messages
                if not m.get("deleted") and is_top_level(m) and in_range(m)
            ),
            key=lambda m: ts_key(m["ts"]),
            reverse=True,
        )
        page = found[:limit]
        has_more = len(found) > limit
        return {
            "messages": [public_copy(m, with_metadata=with_metadata) for m in page],
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {
                "next_cursor": encode_cursor(page[-1]["ts"]) if has_more else ""
            },
        }

    def replies(self, args: dict) -> dict:
        channel = self._readable_channel(args)
        require(args, "ts", error="thread_not_found")
        parent = channel.find(args["ts"])
        if parent is None:
            raise SlackError("thread_not_found")
        with_metadata = truthy(args.get("include_all_metadata", False))
        thread = [parent] + [
            m
            for m in channel.messages
            if not m.get("deleted") and m.get("thread_ts") == parent["ts"] and m is not parent
        ]
        return {
            "messages": [public_copy(m, with_metadata=with_metadata) for m in thread],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def members(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        channel = self.api.resolve_channel(args["channel"])
        members = channel.member_ids(self.api.bot_user_id)
        limit = min(max(int_arg(args, "limit", MEMBERS_DEFAULT_LIMIT), 1), MEMBERS_MAX_LIMIT)
        start = int(decode_cursor(args.get("cursor")) or 0)
        page = members[start : start + limit]
        end = start + len(page)
        return {
            "members": page,
            "response_metadata": {
                "next_cursor": encode_cursor(str(end)) if end < len(members) else ""
            },
        }

    def open(self, args: dict) -> dict:
        if args.get("channel"):
            return {"no_op": True, "already_open": True, "channel": {"id": args["channel"]}}
        users = args.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            raise SlackError("users_list_not_supplied")
        user_ids = [u.strip() for u in users.split(",") if u.strip()]
        if len(user_ids) == 1:
            channel_id = "D" + user_ids[0]
        else:
            channel_id = "G" + "".join(sorted(user_ids))
        return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def add_reaction(self, args: dict) -> dict:
        require(args, "channel", error="channel_not_found")
        require(args, "timestamp", error="message_not_found")
        require(args, "name", error="invalid_name")
        key = (args["channel"], args["timestamp"], args["name"])
        if key in self._reactions:
            raise SlackError("already_reacted")
        self._reactions.add(key)
        return {}
