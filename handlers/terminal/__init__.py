"""The terminal chat: the same domain code as Slack, for trying the bot without credentials."""
