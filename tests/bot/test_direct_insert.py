"""The INSERT run straight on the driver (bot/direct_insert.py): it stores what SQLAlchemy
would, skips what is there, outlives a connection that went stale, and fails as SQLAlchemy
does."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from bot.clock import utcnow
from bot.database import create_engine, migrate, session_factory
from bot.direct_insert import MAX_ROWS, DirectInsert
from bot.questions.models import QuestionRequest

TABLE = QuestionRequest.__table__  # type: ignore[attr-defined]
COLUMNS = ("platform", "workspace_id", "user_id", "claim", "text", "length", "is_direct",
           "state", "attempts", "received_at", "response_url")


def _row(claim: str, **changes) -> dict:
    return {"platform": "slack", "workspace_id": "T1", "user_id": "U1", "claim": claim,
            "text": "Hoe deel ik het bericht?", "length": 24, "is_direct": False,
            "state": "pending", "attempts": 0, "received_at": utcnow(),
            "response_url": None, **changes}


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def insert(engine):
    insert = DirectInsert(engine, TABLE, columns=COLUMNS,
                          conflict=["platform", "workspace_id", "claim"],
                          returning=["id", "claim"])
    yield insert
    await insert.close()


async def test_rows_are_stored_as_sqlalchemy_stores_them_and_known_claims_are_skipped(
        engine, insert):
    received = utcnow() - timedelta(minutes=3)
    first = await insert.run([_row("a", received_at=received), _row("b")])
    assert [claim for _, claim in first] == ["a", "b"]
    again = await insert.run([_row("b"), _row("c"), _row("c")])
    assert [claim for _, claim in again] == ["c"]
    async with session_factory(engine)() as session:
        [stored] = (await session.exec(select(QuestionRequest).where(
            col(QuestionRequest.claim) == "a"))).all()
        # Compared in SQL, so the timestamp must be stored in SQLAlchemy's own format.
        earlier = (await session.exec(select(QuestionRequest.claim).where(
            col(QuestionRequest.received_at) < received + timedelta(seconds=1)))).all()
    assert stored.id == first[0][0] and stored.text == "Hoe deel ik het bericht?"
    assert stored.received_at.replace(tzinfo=received.tzinfo) == received
    assert earlier == ["a"]


async def test_more_rows_than_one_statement_holds_are_all_stored(insert):
    stored = await insert.run([_row(f"r{n}") for n in range(MAX_ROWS * 2 + 5)])
    assert len(stored) == MAX_ROWS * 2 + 5


async def test_a_kept_connection_that_was_closed_underneath_is_replaced(engine, insert,
                                                                         database_url):
    await insert.run([_row("before")])
    kept = insert._driver
    if database_url.startswith("sqlite"):
        kept._connection.close()  # as if the file handle had gone
    else:  # as a restart of PostgreSQL, or an idle timeout, would
        async with engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"),
                                {"pid": kept.info.backend_pid})
    assert [claim for _, claim in await insert.run([_row("after")])] == ["after"]
    assert insert._driver is not kept


async def test_a_driver_error_comes_out_as_sqlalchemys(engine, insert):
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE question_request"))
    with pytest.raises(DBAPIError):
        await insert.run([_row("lost")])
