"""SQLite on the event loop's thread (bot/sqlite_inline.py): another process's write lock is
waited out without blocking the loop, and writers of one process take turns."""

import asyncio

from sqlalchemy import text

from bot.database import create_engine

CREATE = "CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"


async def _count(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM note"))).scalar_one()


async def test_a_write_waits_for_another_processes_lock_while_the_loop_goes_on(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    # Two engines: two pools with a write lock each, as two processes on one file would have.
    first, second = create_engine(url), create_engine(url)
    try:
        async with first.begin() as connection:
            await connection.execute(text(CREATE))
        beats = 0

        async def heartbeat() -> None:
            nonlocal beats
            while True:
                beats += 1
                await asyncio.sleep(0.001)

        beating = asyncio.create_task(heartbeat())
        async with first.begin() as holder:
            await holder.execute(text("INSERT INTO note (body) VALUES ('first')"))
            waiting = asyncio.create_task(_insert(second, "second"))
            before = beats
            for _ in range(20):
                await asyncio.sleep(0.005)
            assert not waiting.done()  # SQLite said BUSY; the statement is tried again later
            assert beats > before + 10  # meanwhile the event loop kept running
        await asyncio.wait_for(waiting, 5)  # the lock was given back: the write went in
        beating.cancel()
        assert await _count(second) == 2
    finally:
        await first.dispose()
        await second.dispose()


async def test_writers_of_one_process_take_turns_without_errors(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text(CREATE))
        await asyncio.gather(*(_insert(engine, f"note {n}", statements=3) for n in range(30)))
        assert await _count(engine) == 90
    finally:
        await engine.dispose()


async def _insert(engine, body: str, *, statements: int = 1) -> None:
    async with engine.begin() as connection:
        for _ in range(statements):
            await connection.execute(text("INSERT INTO note (body) VALUES (:body)"),
                                     {"body": body})
            await asyncio.sleep(0)  # other writers get a turn in the middle of this one


async def test_checkpoints_copy_what_was_committed_into_the_database_file(tmp_path):
    from bot.database import wal_checkpoints

    path = tmp_path / "bot.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    checkpoints = wal_checkpoints(url)
    assert checkpoints is not None
    assert wal_checkpoints("sqlite:///:memory:") is None
    assert wal_checkpoints("postgresql://postgres@127.0.0.1/test") is None
    try:
        async with engine.begin() as connection:
            await connection.execute(text(CREATE))
        for number in range(200):  # under SQLite's own 1,000-page checkpoint
            await _insert(engine, "x" * 2000 + str(number))
        before = path.stat().st_size
        await checkpoints.run_once()
        # The pages were in the write-ahead log only; now the database file holds them.
        assert path.stat().st_size > before + 200 * 2000
        await checkpoints.start()
        await checkpoints.stop()
        assert await _count(engine) == 200
    finally:
        await checkpoints.stop()
        await engine.dispose()
