"""The partnership's own facts (content/covenant.yaml): its name, partners, time zone,
coordinators and the facts announcements are filled in with. Meetings and check-ins use it
without importing the guidance retrieval."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator

from bot.content import ContentError, Problem, load_yaml_model


class Contact(BaseModel):
    name: str = ""
    email: str = ""
    phone: str = ""


class Covenant(BaseModel):
    """content/covenant.yaml."""

    model_config = ConfigDict(extra="allow")

    name: str
    partners: list[str] = []
    timezone: str = "Europe/Amsterdam"
    language: str = "nl"
    coordinators: dict[str, list[str]] = {}
    signed_on: date | None = None
    contact: Contact = Contact()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("coordinators", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        if isinstance(value, dict):
            return {platform: ids or [] for platform, ids in value.items()}
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A UTC moment as the partnership's wall-clock time (what users see)."""
        return moment.astimezone(self.zone)


def covenant_problems(content_dir: Path, problems: list[Problem]) -> Covenant | None:
    return load_yaml_model(content_dir / "covenant.yaml", Covenant, problems)


def load_covenant(content_dir: Path) -> Covenant:
    """Reads content/covenant.yaml, or raises ContentError listing its problems."""
    problems: list[Problem] = []
    covenant = covenant_problems(content_dir, problems)
    if problems or covenant is None:
        raise ContentError(problems)
    return covenant
