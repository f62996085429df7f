"""Fixtures for the outbox's domain tests: the database alone (no guidance, no Bolt), a
dispatcher with the real Slack sender talking to the fake Slack Web API, and helpers."""

from datetime import datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import SettableClock
from bot.database import create_engine, migrate, session_factory
from bot.identity import ChannelRef
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.models import Delivery, Kind
from bot.outbox.queue import enqueue
from bot.settings import Settings
from handlers.slack.sender import SlackSender
from tests.conftest import BOT_TOKEN, TEAM
from tests.fakes.slack_real_ts import use_real_time_ts

TEMPLATE = "test.post"


def build_post(data: dict, language: str) -> dict:
    return {"text": f"{data['text']} ({language})"}


def build_file(data: dict, language: str) -> dict:
    return {"content": data["text"], "filename": data["filename"], "title": data["title"]}


BUILDERS = {TEMPLATE: build_post, "test.file": build_file}


@pytest.fixture(autouse=True)
def real_time_ts(slack_api) -> None:
    """Slack's ts are the time of posting; the outbox looks a lost post up by time."""
    use_real_time_ts(slack_api)


@pytest.fixture
async def sessions(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def make_dispatcher(database_url, slack_api, clock):
    """A dispatcher on an engine of its own (as another process would have), with the fast
    pace of a test unless told otherwise; closed at the end of the test."""
    made: list = []

    def make(*, sessions=None, give_way=None, **settings) -> Dispatcher:
        options = {"outbox_channel_rate": 50.0, "outbox_workspace_rate": 200.0, **settings}
        engine = None
        if sessions is None:
            engine = create_engine(database_url)
            sessions = session_factory(engine)
        dispatcher = Dispatcher(sessions, clock=clock,
                                settings=Settings.model_construct(**options), give_way=give_way)
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack_api.base_url)
        dispatcher.add_sender(SlackSender(client, BUILDERS))
        made.append((dispatcher, engine))
        return dispatcher

    yield make
    for dispatcher, engine in made:
        await dispatcher.stop()
        if engine is not None:
            await engine.dispose()


@pytest.fixture
def dispatcher(make_dispatcher, sessions) -> Dispatcher:
    return make_dispatcher(sessions=sessions)


async def post_to(sessions, channels: list[str], *, clock: SettableClock, topic: str = "t:1",
                  prefix: str = "hallo", not_before: datetime | None = None,
                  kind: Kind = Kind.POST) -> list[int]:
    """Enqueues one post per channel in one transaction; returns the delivery ids."""
    ids = []
    async with sessions() as session:
        for channel in channels:
            ids.append(await enqueue(
                session, key=f"{topic}:post:{channel}", target=ChannelRef("slack", TEAM, channel),
                template=TEMPLATE, data={"text": f"{prefix} {channel}"}, topic=topic,
                not_before=not_before or clock(), kind=kind))
        await session.commit()
    return ids


async def rows(sessions, **where) -> list[Delivery]:
    async with sessions() as session:
        statement = select(Delivery).order_by(col(Delivery.id))
        for name, value in where.items():
            statement = statement.where(col(getattr(Delivery, name)) == value)
        return list(await session.exec(statement))


async def set_row(sessions, delivery_id: int, **values) -> None:
    async with sessions() as session:
        await session.execute(update(Delivery).where(col(Delivery.id) == delivery_id)
                              .values(**values))
        await session.commit()
