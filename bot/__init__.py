"""Convenantbot: answers from the covenant guidance, in Slack, Teams and a terminal."""
