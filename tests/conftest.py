"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when reachable), the
fake Slack Web API, and the real ASGI app served on loopback."""

import os
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from bot.app import build_asgi_app, build_services
from bot.clock import SettableClock, utcnow
from bot.questions.guidance.content import load_library
from bot.questions.guidance.retrieval import GuidanceIndex
from bot.settings import Settings
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_api import FakeSlackApi

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "content"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0001"
COORDINATOR = "UCOORD"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("CONVENANTBOT_REQUIRE_POSTGRES") == "1"


def _postgres_problem() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({error.__class__.__name__})"


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = _postgres_problem()
    if problem and REQUIRE_POSTGRES:
        pytest.fail(f"{problem}, and CONVENANTBOT_REQUIRE_POSTGRES=1 makes it required")
    if problem:
        pytest.skip(f"{problem}; set TEST_POSTGRES_URL to run the PostgreSQL variant")


def pytest_collection_modifyitems(config, items):
    """A test marked `database_independent` runs on one database (SQLite), not on each."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        (drop if on_postgres and item.get_closest_marker("database_independent") else keep
         ).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def guidance_index() -> GuidanceIndex:
    """The shipped guidance, indexed once per test session (some two seconds each time)."""
    return GuidanceIndex(load_library(CONTENT))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    request.getfixturevalue("postgres_available")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def slack_api():
    async with FakeSlackApi(bot_token=BOT_TOKEN, bot_user_id="UBOT", team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def settings(database_url, slack_api) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
        database_url=database_url,
        content_dir=CONTENT,
        coordinator_ids=[COORDINATOR],
    )


@pytest.fixture
def clock() -> SettableClock:
    """The bot's clock in this test: starts at the real now, moves only when the test says."""
    return SettableClock(utcnow())


@pytest.fixture
async def services(settings, clock, guidance_index):
    shared = guidance_index if settings.content_dir == CONTENT else None
    built = await build_services(settings, clock=clock, index=shared)
    yield built
    await built.close()


@pytest.fixture
async def bot_url(services):
    """The real ASGI app, served over HTTP on 127.0.0.1, with the outbox dispatcher running
    (the scheduler is not: tests run due jobs with `services.scheduler.run_due(now)`)."""
    app = build_asgi_app(services)
    await services.start(scheduler=False)
    async with LoopbackServer(app, "convenantbot") as server:
        yield server.url


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=10) as client:
        yield client
