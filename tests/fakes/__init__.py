"""Loopback fakes of Slack for tests."""
