"""File uploads the way slack_sdk's ``files_upload_v2`` does them.

1. ``files.getUploadURLExternal`` (filename, length) hands out an upload URL on this server;
2. the client POSTs the bytes there: slack_sdk 3.x sends the raw bytes as the body
   (``AsyncWebClient`` via aiohttp as application/octet-stream, ``WebClient`` via urllib
   with urllib's default form content type), other clients send multipart form data with
   a ``file`` field, so both are accepted and only multipart bodies are parsed;
3. ``files.completeUploadExternal`` (files=[{id, title}], channel_id or channels,
   initial_comment, thread_ts) shares the files: a message with a ``files`` list appears
   in each channel.
"""

from __future__ import annotations

import itertools
import json
import mimetypes
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .slack_state import Call, SlackError, int_arg, require

if TYPE_CHECKING:
    from .slack_api import FakeSlackApi

FILE_UPLOAD_METHOD = "file_upload"
# Slack's limit for one file (slack_sdk checks it too, before sending).
MAX_FILE_BYTES = 1024 * 1024 * 1024


def _multipart_file(body: bytes, content_type: str) -> bytes | None:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file" or part.get_filename():
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return None


class Files:
    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self.pending: dict[str, dict] = {}  # announced by getUploadURLExternal
        self.shared: list[dict] = []  # completed uploads, what ``fake.files`` shows
        self._counter = itertools.count(1)

    def methods(self) -> dict:
        return {
            "files.getUploadURLExternal": self.get_upload_url,
            "files.completeUploadExternal": self.complete_upload,
        }

    def get_upload_url(self, args: dict) -> dict:
        require(args, "filename", "length")
        length = int_arg(args, "length", 0)
        if length < 1 or length > MAX_FILE_BYTES:
            raise SlackError("invalid_arguments", errors=["length: must be between 1 and 1 GB"])
        file_id = f"F{next(self._counter):08d}"
        self.pending[file_id] = {
            "id": file_id,
            "filename": args["filename"],
            "length": length,
            "alt_txt": args.get("alt_txt"),
            "snippet_type": args.get("snippet_type"),
            "bytes": None,
        }
        upload_url = f"http://127.0.0.1:{self.api.port}/upload/{file_id}"
        return {"upload_url": upload_url, "file_id": file_id}

    async def handle_upload(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        data = body
        if content_type.lower().startswith("multipart/form-data"):
            data = _multipart_file(body, content_type) or b""
        pending = self.pending.get(file_id)
        args = {"file_id": file_id, "size": len(data)}
        if pending is None:
            self.api.calls.append(
                Call(FILE_UPLOAD_METHOD, args, ok=False, error="file_not_found", status=404)
            )
            return PlainTextResponse("Not Found", status_code=404)
        pending["bytes"] = data
        self.api.calls.append(Call(FILE_UPLOAD_METHOD, args, ok=True))
        # What files.slack.com answers; slack_sdk only looks at the status.
        return PlainTextResponse(f"OK - {len(data)}")

    def _channels(self, args: dict) -> list[str]:
        channels = args.get("channels")
        if isinstance(channels, str):
            channels = [c.strip() for c in channels.split(",") if c.strip()]
        wanted = list(channels or [])
        if args.get("channel_id"):
            wanted.insert(0, args["channel_id"])
        return wanted

    def complete_upload(self, args: dict) -> dict:
        require(args, "files")
        files = args["files"]
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except json.JSONDecodeError:
                raise SlackError("invalid_arguments", errors=["files: must be JSON"]) from None
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments", errors=["files: must be a non-empty array"])
        uploads: list[tuple[dict, dict]] = []
        for item in files:
            pending = self.pending.get(item.get("id")) if isinstance(item, dict) else None
            # Announced but never uploaded counts as missing, like on Slack.
            if pending is None or pending["bytes"] is None:
                raise SlackError("file_not_found")
            uploads.append((item, pending))
        channels = [self.api.postable_channel(c) for c in self._channels(args)]

        shared_files = []
        for item, pending in uploads:
            del self.pending[pending["id"]]
            record = {
                **pending,
                "title": item.get("title") or pending["filename"],
                "channels": [c.id for c in channels],
                "initial_comment": args.get("initial_comment"),
                "thread_ts": args.get("thread_ts"),
            }
            self.shared.append(record)
            shared_files.append(record)
        objects = [self._file_object(record) for record in shared_files]
        for channel in channels:
            ts = self.api.next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "text": args.get("initial_comment") or "",
                "user": self.api.bot_user_id,
                "bot_id": self.api.bot_id,
                "app_id": self.api.app_id,
                "team": self.api.team_id,
                "ts": ts,
                "upload": True,
                "files": objects,
            }
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            self.api.chat.store(channel, message)
        return {"files": [{"id": o["id"], "title": o["title"], **o} for o in objects]}

    def _file_object(self, record: dict) -> dict:
        mimetype = mimetypes.guess_type(record["filename"])[0] or "application/octet-stream"
        name = record["filename"]
        return {
            "id": record["id"],
            "name": name,
            "title": record["title"],
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "binary",
            "size": len(record["bytes"]),
            "user": self.api.bot_user_id,
            "url_private": f"https://files.slack.com/files-pri/{self.api.team_id}-{record['id']}/"
            f"{name}",
            "permalink": f"https://test.slack.com/files/{self.api.bot_user_id}/{record['id']}/"
            f"{name}",
            "channels": list(record["channels"]),
        }
