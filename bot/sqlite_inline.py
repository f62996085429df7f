"""aiosqlite's connection with its calls run on the event loop's own thread, for SQLAlchemy's
`sqlite+aiosqlite` dialect (plugged in with create_async_engine's `async_creator`).

Why not aiosqlite's worker thread: every call to SQLite (a cursor, an execute, a fetch, a
commit) went to a thread of its own and back, about 48 such hops for one /vraag, each waking the
event loop and passing the GIL between threads. Measured on 2026-11-29 (2 cores): one
`BEGIN; SELECT 1; COMMIT` through SQLAlchemy took 0.80 ms of CPU with the thread, while SQLite
itself takes 3 µs for the statement; a /vraag (accept, answer, store) cost 15 ms of CPU in
process, and at 100 commands in flight acks waited behind those hops. SQLite in WAL mode
answers the bot's small statements in microseconds, so they run where they are called.

What the thread gave for free is kept:
- Other tasks go on between statements: a connection that has run statements for YIELD_AFTER
  without letting the event loop run lets it run what is ready before its next one (an ack
  waits for a few statements, not for a transaction of 200 inserts; a short transaction is
  not cut up, so it holds the write lock no longer than it needs).
- Waiting for the write lock does not block the loop. Within the process, writing
  transactions take turns on an asyncio lock per database file (taken at a transaction's first
  INSERT, UPDATE or DELETE, given back at its end), so they never find SQLite locked by each
  other. Another process's lock (a second `convenantbot`, a migration) makes SQLite answer
  BUSY at once (its busy timeout is 0) and the statement is tried again after an
  `asyncio.sleep`. Both wait at most BUSY_TIMEOUT, then fail as SQLite would
  ("database is locked").
"""

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Coroutine
from typing import Any

import aiosqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT = 5.0  # seconds, as the former PRAGMA busy_timeout=5000
CHECKPOINT_EVERY = 1.0  # seconds between two copies of the write-ahead log into the file
YIELD_AFTER = 0.002  # seconds of statements in a row before other tasks get a turn
_FIRST_WAIT = 0.0005  # seconds; doubled after each try, up to _LONGEST_WAIT
_LONGEST_WAIT = 0.01


class _RunNow:
    """In place of aiosqlite's queue to its thread: runs what is put in at once. (SQLAlchemy's
    adapter puts work in that queue directly to set the isolation level.)"""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # noqa: BLE001  (handed to the waiting caller)
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """aiosqlite.Connection without its worker thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], writing: asyncio.Lock,
                 iter_chunk_size: int = 64):
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._writing = writing  # shared by the connections to one database file
        self._holds_write_lock = False
        self._run_started = 0.0  # when this connection's run of statements began
        self._loop_turned: _Turn | None = None

    async def _execute(self, fn, *args, **kwargs):
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if args and isinstance(args[0], str):  # a statement
            now = time.monotonic()
            if self._loop_turned is None or self._loop_turned.done:
                self._run_started = now  # the loop ran other work since: a new run
                self._loop_turned = _next_turn()
            elif now - self._run_started > YIELD_AFTER:
                await asyncio.sleep(0)
                self._run_started = time.monotonic()
                self._loop_turned = _next_turn()
            if not self._holds_write_lock and _writes(args[0]):
                await self._take_write_lock()
        try:
            return await self._run(fn, *args, **kwargs)
        finally:
            if self._holds_write_lock and not self._conn.in_transaction:
                self._holds_write_lock = False
                self._writing.release()

    async def _take_write_lock(self) -> None:
        try:
            await asyncio.wait_for(self._writing.acquire(), BUSY_TIMEOUT)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (by this process)") from None
        self._holds_write_lock = True

    async def _run(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT
        wait = _FIRST_WAIT
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or loop.time() + wait > deadline:
                    raise
            await asyncio.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)

    async def _connect(self) -> "InlineConnection":
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self):
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._holds_write_lock:
            self._holds_write_lock = False
            self._writing.release()

    async def close(self) -> None:
        self.stop()


class _Turn:
    """Marked when the event loop gets to the callbacks scheduled from now on: other work ran."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    def mark(self) -> None:
        self.done = True


def _next_turn() -> _Turn:
    turn = _Turn()
    asyncio.get_running_loop().call_soon(turn.mark)
    return turn


def _writes(statement: str) -> bool:
    """Whether SQLite starts (or needs) a writing transaction for this statement."""
    return statement.lstrip()[:7].upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


def inline_connector(path: str) -> Callable[[], Coroutine[Any, Any, InlineConnection]]:
    """The `async_creator` for an SQLite file (or ":memory:"): one engine's connections."""
    writing = asyncio.Lock()

    async def connect() -> InlineConnection:
        # check_same_thread: the pool may close a connection from the thread that ends the
        # program; every statement runs on the event loop's thread.
        return await InlineConnection(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False), writing)

    return connect


class WalCheckpoints:
    """Copies the write-ahead log into the database file every CHECKPOINT_EVERY seconds, on a
    worker thread (SQLite lets go of the GIL while it copies and syncs).

    Without it SQLite does so itself, in the commit that finds 1,000 pages in the log: here
    that commit runs on the event loop's thread. Measured on 2026-11-29, 20,000 single-row
    commits: 46 took 18 - 23 ms (a checkpoint, with its fsync), all others under 0.4 ms; every
    ack in flight waited for those. A passive checkpoint waits for no one and no one waits for
    it; SQLite's own stays as the fallback for a burst of more than 1,000 pages in a second.
    """

    def __init__(self, path: str, every: float = CHECKPOINT_EVERY):
        self._path = path
        self._every = every
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="sqlite-checkpoints")

    async def stop(self) -> None:
        """Lets a checkpoint under way finish, then closes the connection it used."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            await asyncio.gather(task, return_exceptions=True)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def run_once(self) -> None:
        await asyncio.to_thread(self._checkpoint)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self._every)
                return
            except TimeoutError:
                pass
            try:
                await self.run_once()
            except sqlite3.Error as error:  # the next round tries again
                logger.warning("sqlite: checkpoint failed: %s", error)

    def _checkpoint(self) -> None:
        if self._connection is None:
            # Its own connection: it blocks only this worker thread while it waits.
            self._connection = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT,
                                               check_same_thread=False)
        self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
