"""The shape of what Slack sends, checked after the signature and before Bolt sees a request.

Bolt's own code reads ids from a payload assuming Slack's types (`payload["event"]` an object,
`authorizations` a list of objects, `actions[0]["action_id"]` a string), and so do our
listeners. A signed payload of another shape never comes from Slack; it is refused here with a
400, instead of failing somewhere inside Bolt or a listener. Only the fields Bolt or the
listeners read are checked, and unknown fields are allowed: Slack adds fields all the time.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)

# Slack's ids are short; the database keeps them in columns of 64 (event ids 128) characters.
Id = Annotated[StrictStr, Field(max_length=64)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Ref(_Open):
    """A team, user, channel or enterprise given as an object instead of a plain id."""

    id: Id | None = None
    team_id: Id | None = None
    enterprise_id: Id | None = None


IdOrRef = Id | Ref | None


class Ids(_Open):
    """The ids Bolt reads (slack_bolt.request.internals) from an envelope, an event, a
    message or an authorization."""

    enterprise: IdOrRef = None
    team: IdOrRef = None
    user: IdOrRef = None
    channel: IdOrRef = None
    enterprise_id: Id | None = None
    team_id: Id | None = None
    user_id: Id | None = None
    channel_id: Id | None = None
    user_team: Id | None = None
    context_team_id: Id | None = None
    context_enterprise_id: Id | None = None
    thread_ts: Id | None = None
    function_execution_id: StrictStr | None = None
    bot_access_token: StrictStr | None = None
    is_enterprise_install: StrictBool | StrictStr | None = None
    message: Ids | None = None
    previous_message: Ids | None = None
    item: Ids | None = None
    assistant_thread: Ids | None = None


# Events whose listeners answer the text: they need where (channel) and what (ts, text).
_TEXT_EVENTS = {"app_mention", "message"}


class Event(Ids):
    type: StrictStr
    subtype: StrictStr | None = None
    text: StrictStr | None = None
    ts: Id | None = None
    event_ts: Id | None = None
    channel_type: StrictStr | None = None
    bot_id: StrictStr | None = None

    @model_validator(mode="after")
    def _text_events_say_where(self) -> Event:
        if self.type in _TEXT_EVENTS and self.subtype is None:
            if self.ts is None:
                raise ValueError(f"a {self.type} event without ts")
            if not isinstance(self.channel, str):
                raise ValueError(f"a {self.type} event without a channel id")
        return self


class Action(_Open):
    action_id: StrictStr
    block_id: StrictStr | None = None
    type: StrictStr | None = None
    value: StrictStr | None = None


class View(Ids):
    type: StrictStr
    id: Id | None = None
    callback_id: StrictStr | None = None
    app_installed_team_id: Id | None = None
    private_metadata: StrictStr | None = None
    state: dict[str, Any] | None = None


class Payload(Ids):
    """A slash command, an interaction or an Events API envelope."""

    type: StrictStr | None = None
    token: StrictStr | None = None
    api_app_id: Id | None = None
    event_id: Annotated[StrictStr, Field(max_length=128)] | None = None
    event: Event | None = None
    authorizations: list[Ids] | None = None
    command: StrictStr | None = None
    text: StrictStr | None = None
    callback_id: StrictStr | None = None
    action_id: StrictStr | None = None
    trigger_id: StrictStr | None = None
    response_url: StrictStr | None = None
    response_urls: list[dict[str, Any]] | None = None
    actions: list[Action] | None = None
    view: View | None = None

    @model_validator(mode="after")
    def _required_by_type(self) -> Payload:
        if self.type == "event_callback" and (self.event is None or self.event_id is None):
            raise ValueError("an event_callback without an event or its event_id")
        if self.type == "block_actions" and not self.actions:
            raise ValueError("block_actions without actions")
        # Slack answers a message's buttons and a command at their response_url (a modal's
        # buttons carry the view instead); listeners reply there.
        if self.type == "block_actions" and self.response_url is None and self.view is None:
            raise ValueError("block_actions without a response_url or a view")
        if self.command is not None and self.response_url is None:
            raise ValueError("a command without a response_url")
        if self.type in ("view_submission", "view_closed") and self.view is None:
            raise ValueError(f"{self.type} without a view")
        return self


class Command(BaseModel):
    """A slash command handled without Bolt (handlers.slack.commands.direct_commands): the
    fields it reads. Its form fields are all strings; a third of Payload's cost to check."""

    model_config = ConfigDict(extra="ignore")

    command: StrictStr
    team_id: Id
    user_id: Id
    channel_id: Id | None = None
    enterprise_id: Id | None = None
    text: StrictStr | None = None
    response_url: StrictStr


class UnexpectedPayload(ValueError):
    """A signed body of a shape Slack does not send; the message is safe to log (no values)."""


def check_payload(parsed: Any, shape: type[BaseModel] = Payload) -> None:
    """Raises UnexpectedPayload unless `parsed` (the body as Bolt parsed it) is a payload of
    the shape above (or `shape`)."""
    if not isinstance(parsed, dict):
        raise UnexpectedPayload(f"a JSON {type(parsed).__name__}, not an object")
    try:
        shape.model_validate(parsed)
    except ValidationError as error:
        raise UnexpectedPayload(_summary(error)) from None


def _summary(error: ValidationError) -> str:
    """Where and what, without the offending values (they may be a stranger's data)."""
    problems = [f"{'.'.join(str(part) for part in problem['loc']) or 'payload'}: "
                f"{problem['msg'][:80]}" for problem in error.errors(include_input=False)[:3]]
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (+{more} more)" if more > 0 else "")
