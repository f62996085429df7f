"""All configuration, read from the environment (and an optional .env file)."""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_REPO_CONTENT = Path(__file__).resolve().parents[1] / "content"
_PLACEHOLDERS = {"", "changeme", "xoxb-your-token", "your-signing-secret", "xapp-your-token"}


def _default_content_dir() -> Path:
    # An editable install finds the repository's content/; an installed wheel uses ./content.
    return _REPO_CONTENT if _REPO_CONTENT.is_dir() else Path.cwd() / "content"


class Settings(BaseSettings):
    """Convenantbot settings; every field maps to an upper-case environment variable."""

    # An empty NAME= in .env means "use the default", as people expect.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    database_url: str = "sqlite:///convenantbot.db"
    content_dir: Path = Field(default_factory=_default_content_dir)
    # Comma-separated platform user ids, added to the coordinators in content/covenant.yaml.
    coordinator_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    default_language: Literal["nl", "en"] = "nl"
    host: str = "0.0.0.0"
    port: int = 3000
    log_level: str = "INFO"

    # The outbox (bot/outbox/dispatcher.py): Slack's pace and crash recovery.
    outbox_channel_rate: float = Field(default=1.0, gt=0)  # posts per second per channel
    outbox_workspace_rate: float = Field(default=20.0, gt=0)  # API calls/s per workspace, even
    outbox_max_attempts: int = Field(default=5, ge=1)  # transient failures before FAILED
    outbox_lease_seconds: float = Field(default=60.0, gt=0)  # a SENDING claim older: reconcile
    outbox_poll_seconds: float = Field(default=1.0, gt=0)  # look for work from other replicas
    # A question whose answer a process took on and did not finish within this many seconds
    # (it died) is answered by another; an answer takes well under a second, 429s a few more.
    question_lease_seconds: float = Field(default=20.0, gt=0)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def uses_socket_mode(self) -> bool:
        return self.slack_bot_token is not None and self.slack_app_token is not None

    def placeholder_secrets(self) -> list[str]:
        """Names of secrets that are set but still hold an example value."""
        named = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        return [
            name for name, secret in named.items()
            if secret is not None and secret.get_secret_value().strip().lower() in _PLACEHOLDERS
        ]
