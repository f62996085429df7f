"""Migration 0005 goes up from the previous revision, down again, and up once more, keeping
what the earlier revisions hold."""

from alembic import command
from sqlalchemy import inspect, text

from bot.database import _alembic_config, create_engine

CHECKIN_TABLES = {"checkin_schedule", "checkin_round", "checkin_response", "checkin_action"}


async def test_checkin_tables_upgrade_from_the_previous_revision_and_downgrade(database_url):
    engine = create_engine(database_url)
    try:
        async def tables() -> set[str]:
            async with engine.connect() as connection:
                return set(await connection.run_sync(
                    lambda sync: inspect(sync).get_table_names()))

        async def run(step, revision: str) -> None:
            async with engine.begin() as connection:
                await connection.run_sync(lambda sync: step(_alembic_config(sync), revision))

        await run(command.upgrade, "0002")
        assert not CHECKIN_TABLES & await tables()
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO scheduled_step (key, done_at) VALUES ('kept', CURRENT_TIMESTAMP)"))
        await run(command.upgrade, "0005")
        assert CHECKIN_TABLES <= await tables()
        await run(command.downgrade, "0002")
        assert not CHECKIN_TABLES & await tables()
        await run(command.upgrade, "head")
        assert CHECKIN_TABLES <= await tables()
        async with engine.connect() as connection:
            kept = await connection.execute(text("SELECT key FROM scheduled_step"))
            assert [row[0] for row in kept] == ["kept"]
    finally:
        await engine.dispose()
