"""Imports every table module, so SQLModel.metadata (Alembic, tests) knows the whole schema."""

import bot.announcements.models  # noqa: F401
import bot.checkins.models  # noqa: F401
import bot.meetings.models  # noqa: F401
import bot.models  # noqa: F401
import bot.outbox.models  # noqa: F401
import bot.questions.models  # noqa: F401
import bot.scheduling  # noqa: F401
