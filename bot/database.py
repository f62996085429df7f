"""Async engine creation and schema migrations (Alembic owns the schema)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.sqlite_inline import WalCheckpoints, inline_connector

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def async_database_url(url: str) -> str:
    """Map the URLs people write (sqlite:///x.db, postgresql://…) to their async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    """An engine for the configured database; SQLite files run in WAL mode, their statements
    on the event loop's thread (bot.sqlite_inline says why)."""
    async_url = make_url(async_database_url(url))
    if async_url.get_backend_name() == "sqlite":
        engine = create_async_engine(async_url, async_creator=inline_connector(
            async_url.database or ":memory:"))
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A PostgreSQL server can restart or drop idle connections: each is checked when taken.
    return create_async_engine(async_url, pool_pre_ping=True)


def wal_checkpoints(url: str) -> WalCheckpoints | None:
    """The checkpoints of an SQLite file, run off the event loop once started; None for
    PostgreSQL and for an in-memory database."""
    parsed = make_url(async_database_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return WalCheckpoints(parsed.database)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the scheduler and the web handlers read while one of them writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit then survives a
    # crash or kill of the process (not a power cut), and costs no fsync on the ack path.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # No waiting inside SQLite for another connection's write lock: that would block the event
    # loop. bot.sqlite_inline waits with asyncio instead.
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to run at every start."""
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))


def head_revision() -> str:
    """The newest migration's revision id."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def insert_for(target: AsyncSession | AsyncConnection):
    """The dialect's INSERT construct (PostgreSQL's or SQLite's), for ON CONFLICT clauses;
    `target`: the session or connection the statement will run on."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = (target.get_bind() if isinstance(target, AsyncSession) else target).dialect
    return postgresql.insert if dialect.name == "postgresql" else sqlite.insert
