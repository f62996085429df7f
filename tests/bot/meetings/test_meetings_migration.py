"""Migrations 0004 (meetings) and 0008 (sign-up clicks) on both databases: up from the previous
revision, down, and up again."""

from alembic import command
from sqlalchemy import inspect

from bot.database import _alembic_config, create_engine, migrate

TABLES = {"meeting", "meeting_session", "meeting_registration", "meeting_profile"}


def _tables(sync) -> set[str]:
    return set(inspect(sync).get_table_names())


async def test_meetings_migration_goes_up_and_down(database_url):
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.begin() as connection:
            assert TABLES <= await connection.run_sync(_tables)
            await connection.run_sync(
                lambda sync: command.downgrade(_alembic_config(sync), "0002"))
            assert not TABLES & await connection.run_sync(_tables)
        await migrate(engine)
        async with engine.connect() as connection:
            assert TABLES <= await connection.run_sync(_tables)
    finally:
        await engine.dispose()


async def test_sign_up_clicks_migration_goes_up_from_the_previous_revision_and_down(
        database_url):
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.begin() as connection:
            assert "meeting_signup_request" in await connection.run_sync(_tables)
            await connection.run_sync(
                lambda sync: command.downgrade(_alembic_config(sync), "0007"))
            tables = await connection.run_sync(_tables)
            assert "meeting_signup_request" not in tables and TABLES <= tables
        await migrate(engine)
        async with engine.connect() as connection:
            assert "meeting_signup_request" in await connection.run_sync(_tables)
    finally:
        await engine.dispose()
