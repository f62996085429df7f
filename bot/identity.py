"""Who is acting, on which platform, and whether they coordinate the covenant."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """A chat user: ids only mean something together with platform and workspace."""

    platform: str  # "slack", "teams", "terminal"
    workspace_id: str  # Slack team id, Teams tenant id
    user_id: str


@dataclass(frozen=True)
class Coordinators:
    """Coordinator user ids per platform (from covenant.yaml and COORDINATOR_IDS)."""

    ids: dict[str, frozenset[str]]

    @classmethod
    def from_config(cls, per_platform: dict[str, list[str]], extra_ids: list[str]
                    ) -> "Coordinators":
        ids = {platform: frozenset(users) for platform, users in per_platform.items()}
        # COORDINATOR_IDS holds Slack ids, the platform every deployment starts on.
        ids["slack"] = ids.get("slack", frozenset()) | frozenset(extra_ids)
        return cls(ids)

    def includes(self, person: Person) -> bool:
        # Whoever runs the terminal chat owns the machine it runs on.
        return person.platform == "terminal" or person.user_id in self.ids.get(person.platform, ())


@dataclass(frozen=True)
class ChannelRef:
    """Where the bot posts: a channel, or a person's direct messages when `user_id` is set
    (the platform opens or finds the DM). Ids only mean something with platform and workspace."""

    platform: str
    workspace_id: str
    channel_id: str = ""
    user_id: str = ""

    @classmethod
    def direct(cls, person: Person) -> "ChannelRef":
        return cls(person.platform, person.workspace_id, user_id=person.user_id)

    @property
    def is_direct(self) -> bool:
        return bool(self.user_id) and not self.channel_id

    @property
    def address(self) -> str:
        """The id a platform posts to: the channel, or the user for a DM."""
        return self.channel_id or self.user_id
