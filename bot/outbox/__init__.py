"""The outbox: every message the bot posts on its own initiative is a delivery row, written in
the same transaction as the decision to send it, claimed once, sent at the platform's pace by
the dispatcher, and reconciled after a crash.

Capabilities call the functions in `bot.outbox.queue` inside their own transaction; platforms
implement `bot.outbox.sender.Sender`; `bot.outbox.dispatcher.Dispatcher` works the rows.
"""
