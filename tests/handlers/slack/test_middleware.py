"""The Bolt error handler: a listener that raises costs one log line and a friendly answer."""

import logging
import time
from types import SimpleNamespace
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.authorization import AuthorizeResult

from bot.texts import SHARED
from handlers.slack.middleware import CapText, add_error_handler
from tests.fakes.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, signed_headers

SECRET = "middleware-secret"


async def _authorize(**_):
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-x",
                           bot_user_id="UB", bot_id="B")


def _app() -> AsyncApp:
    app = AsyncApp(signing_secret=SECRET, authorize=_authorize, process_before_response=True,
                   raise_error_for_unhandled_request=True)
    add_error_handler(app, SimpleNamespace(language="nl"))  # type: ignore[arg-type]
    return app


def _request(body: str, content_type: str) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=body, headers=signed_headers(body, SECRET,
                                                              content_type=content_type))


def _command(text: str = "vraag") -> AsyncBoltRequest:
    return _request(urlencode({"command": "/kapot", "text": text, "team_id": "T1",
                               "user_id": "U1", "channel_id": "C1",
                               "response_url": "http://127.0.0.1:1/r"}), FORM_CONTENT_TYPE)


async def test_a_command_listener_that_raises_gets_a_friendly_200_and_one_log_line(caplog):
    app = _app()

    async def broken(ack, command):
        raise KeyError("iets")

    app.command("/kapot")(broken)
    with caplog.at_level(logging.INFO):
        response = await app.async_dispatch(_command())
    assert response.status == 200
    assert response.body == SHARED("error", "nl")
    [line] = [r for r in caplog.records if r.name == "handlers.slack.middleware"]
    assert "KeyError" in line.getMessage() and "test_middleware.py" in line.getMessage()
    assert not any(record.exc_info for record in caplog.records)


async def test_an_event_without_a_listener_gets_200_and_one_info_line(caplog):
    app = _app()
    body = ('{"type": "event_callback", "team_id": "T1", "event_id": "Ev1", '
            f'"event_time": {int(time.time())}, "event": {{"type": "app_uninstalled"}}}}')
    with caplog.at_level(logging.INFO):
        response = await app.async_dispatch(_request(body, JSON_CONTENT_TYPE))
    assert response.status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.slack.middleware"]
    assert lines == ["slack: no listener for event app_uninstalled"]
    assert not any(record.levelno >= logging.WARNING for record in caplog.records)


async def test_text_beyond_the_cap_is_cut_before_listeners_see_it():
    app = _app()
    app.middleware(CapText())
    seen: list[str] = []

    async def kapot(ack, command):
        await ack()
        seen.append(command["text"])

    app.command("/kapot")(kapot)
    await app.async_dispatch(_command("x" * 100_000))
    [text] = seen
    assert 4000 < len(text) <= 4001
