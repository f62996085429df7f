"""content/meetings/meetings.yaml: default agenda and practical information, the roles of the
target group, and when reminders go out."""

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from bot.content import ContentError, Problem, load_yaml_model

OTHER_ROLE = "anders"


class MeetingDefaults(BaseModel):
    title: str = ""
    description: str = ""
    agenda: str
    practical: str
    roles: list[str] = Field(min_length=1)
    reminder_days: list[int] = [7, 1]
    default_capacity: int = Field(default=100, ge=1)
    default_start: str = "09:30"
    default_end: str = "12:00"

    @field_validator("reminder_days")
    @classmethod
    def _positive_days(cls, days: list[int]) -> list[int]:
        if any(day < 1 for day in days):
            raise ValueError("reminder days must be 1 or more")
        return sorted(set(days), reverse=True)

    @field_validator("default_start", "default_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ValueError("write a time as HH:MM")
        return value

    @property
    def role_choices(self) -> list[str]:
        """The roles people pick from: the target group's, then "anders"."""
        return [*self.roles, OTHER_ROLE] if OTHER_ROLE not in self.roles else list(self.roles)


def meetings_problems(content_dir: Path, problems: list[Problem]) -> MeetingDefaults | None:
    return load_yaml_model(content_dir / "meetings" / "meetings.yaml", MeetingDefaults, problems)


def check_meetings(content_dir: Path) -> list[Problem]:
    """What `convenantbot content check` reports for content/meetings/."""
    problems: list[Problem] = []
    meetings_problems(content_dir, problems)
    return problems


def load_meeting_defaults(content_dir: Path) -> MeetingDefaults:
    problems: list[Problem] = []
    defaults = meetings_problems(content_dir, problems)
    if problems or defaults is None:
        raise ContentError(problems)
    return defaults
