"""Announcements: a coordinator's joint message, drafted, previewed, posted to many channels
through the outbox, edited, recalled, and read. Plain Python over the database: no platform
code here; Slack, the terminal (and later Teams) render what these functions return."""
