"""Kick-off meetings: sessions with seats and a waitlist, calendar files, reminders and the
participant list. Plain Python over the database; no platform imports."""
