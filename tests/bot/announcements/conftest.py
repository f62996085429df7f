"""Domain tests need a migrated database, not the whole bot (no guidance index)."""

import pytest

from bot.app import domain_views
from bot.database import create_engine, migrate, session_factory
from bot.outbox.dispatcher import Dispatcher


@pytest.fixture
async def sessions(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def outbox(sessions, clock) -> Dispatcher:
    return Dispatcher(sessions, clock=clock, views=domain_views())
