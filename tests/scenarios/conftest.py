"""Fixtures for scenario tests: Slack as the platform drives the bot."""

import logging

import pytest

from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


@pytest.fixture
def tracebacks(caplog) -> "Tracebacks":
    """The log records of this test that carry a traceback (there should be none)."""
    caplog.set_level(logging.INFO)
    return Tracebacks(caplog)


class Tracebacks:
    def __init__(self, caplog: pytest.LogCaptureFixture):
        self.caplog = caplog

    def __call__(self) -> list[str]:
        return [f"{record.name}: {record.getMessage()}"
                + (f" ({record.exc_info[1]!r:.200})" if record.exc_info else "")
                for record in self.caplog.records
                if record.exc_info or "Traceback" in record.getMessage()]

    def lines(self, name: str) -> list[str]:
        """Messages logged by logger `name`."""
        return [record.getMessage() for record in self.caplog.records if record.name == name]
