"""slack/manifest.yaml is checked as Slack's own tooling checks it: against the app manifest
JSON schema Slack publishes (a copy in the shared folder beside the repository,
shared/slack/manifest.schema.2.0.0.json), and it asks for the scopes the outbox needs."""

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import REPO

SCHEMA_NAME = Path("shared") / "slack" / "manifest.schema.2.0.0.json"
OUTBOX_SCOPES = {
    "chat:write", "channels:join", "channels:read", "groups:read", "channels:history",
    "groups:history", "im:history", "mpim:history", "files:write", "im:write",
}


def _schema_path() -> Path:
    """The shared folder is ../shared from the repository (CI names it in
    CONVENANTBOT_SHARED_DIR, as it tests a copy elsewhere); from a worktree it is further up.
    The nearest one wins."""
    named = os.environ.get("CONVENANTBOT_SHARED_DIR")
    if named and (Path(named) / SCHEMA_NAME.relative_to("shared")).is_file():
        return Path(named) / SCHEMA_NAME.relative_to("shared")
    for folder in REPO.parents:
        candidate = folder / SCHEMA_NAME
        if candidate.is_file():
            return candidate
    message = f"Slack's manifest schema ({SCHEMA_NAME}) is not beside the repository"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must have it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((REPO / "slack" / "manifest.yaml").read_text(encoding="utf-8"))


def test_the_manifest_is_valid_against_slacks_schema(manifest):
    schema = json.loads(_schema_path().read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(manifest), key=lambda error: list(error.path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, error.path)) or '(root)'}: {error.message}" for error in errors)


def test_the_manifest_asks_for_the_scopes_the_outbox_needs(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert OUTBOX_SCOPES <= scopes, sorted(OUTBOX_SCOPES - scopes)
    assert len(scopes) == len(manifest["oauth_config"]["scopes"]["bot"]), "a scope twice"


def test_the_schema_catches_a_broken_manifest(manifest):
    """The check has teeth: a misspelt key and a scope list that is not a list fail."""
    schema = json.loads(_schema_path().read_text(encoding="utf-8"))
    broken = {**manifest, "oauth_config": {"scopes": {"bot": "chat:write"}},
              "display_informations": {}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))
