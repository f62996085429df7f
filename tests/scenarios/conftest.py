"""Scenario fixtures: the Slack driver, and helpers for the announcement flow."""

import pytest

from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)
