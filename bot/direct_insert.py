"""One INSERT .. ON CONFLICT DO NOTHING RETURNING, run straight on the database driver, on a
connection kept for it: for a statement on the path to an ack, run for every request.

Why: storing one accepted /vraag through SQLAlchemy Core (a pooled connection, a transaction,
an execution context) took 0.80 ms of CPU on SQLite and 2.2 ms on PostgreSQL; the same
statement on a kept driver connection took 0.22 and 1.1 ms (2,000 single-row inserts each,
in process, 2026-11-29). At one command in flight that was most of what an ack cost.

What SQLAlchemy gave is kept: values go through the columns' own bind processors (so a
timestamp is stored exactly as SQLAlchemy stores it), a driver error comes out as SQLAlchemy's
exception (an OperationalError stays one), and on SQLite the connection is one of the engine's,
so its writes take turns with the others' (bot.sqlite_inline). A kept connection can go stale
(a PostgreSQL restart): one that fails is dropped, and the statement is tried once more on a
fresh one. That is safe, as a row that did get in is skipped by ON CONFLICT the second time.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MAX_ROWS = 200  # rows per statement (SQLite allows 32,766 values in one)


class DirectInsert:
    """`await insert.run(rows)` stores the rows (dicts with `columns` as keys) in one
    transaction and returns the `returning` columns of those that were new."""

    def __init__(self, engine: AsyncEngine, table: Table, *, columns: Sequence[str],
                 conflict: Sequence[str], returning: Sequence[str]):
        self._engine = engine
        dialect = engine.dialect
        quote = dialect.identifier_preparer.quote
        self._columns = list(columns)
        self._processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                            for name in self._columns]
        placeholder = "?" if dialect.name == "sqlite" else "%s"
        self._row = "(" + ", ".join([placeholder] * len(self._columns)) + ")"
        self._head = (f"INSERT INTO {quote(table.name)} "
                      f"({', '.join(quote(name) for name in self._columns)}) VALUES ")
        self._tail = (f" ON CONFLICT ({', '.join(quote(name) for name in conflict)}) DO NOTHING"
                      f" RETURNING {', '.join(quote(name) for name in returning)}")
        self._statements: dict[int, str] = {}
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._turn = asyncio.Lock()  # one transaction at a time on the kept connection

    async def run(self, rows: Sequence[dict[str, Any]]) -> list[tuple]:
        values = [[process(row[name]) if process else row[name]
                   for name, process in zip(self._columns, self._processors, strict=True)]
                  for row in rows]
        async with self._turn:
            kept = self._driver is not None
            try:
                return await self._insert(values)
            except Exception as error:
                await self._drop()
                if not (kept and isinstance(error, self._dbapi_error)):
                    raise self._wrapped(error) from error
            try:  # the kept connection had gone stale: once more, on a fresh one
                return await self._insert(values)
            except Exception as error:
                await self._drop()
                raise self._wrapped(error) from error

    async def close(self) -> None:
        async with self._turn:
            if self._connection is not None:
                await self._connection.close()
            self._connection = self._driver = None

    async def _insert(self, values: list[list[Any]]) -> list[tuple]:
        if self._driver is None:
            self._connection = await self._engine.connect()
            self._driver = (await self._connection.get_raw_connection()).driver_connection
        driver, inserted = self._driver, []
        for start in range(0, len(values), MAX_ROWS):
            chunk = values[start:start + MAX_ROWS]
            cursor = await driver.execute(self._statement(len(chunk)),
                                          [value for row in chunk for value in row])
            inserted += [tuple(row) for row in await cursor.fetchall()]
        await driver.commit()
        return inserted

    def _statement(self, rows: int) -> str:
        if rows not in self._statements:
            self._statements[rows] = self._head + ", ".join([self._row] * rows) + self._tail
        return self._statements[rows]

    async def _drop(self) -> None:
        """Closes the kept connection for good (a failed transaction ends with it)."""
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            # Each step on its own: a connection not closed is left to the garbage collector.
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()

    def _wrapped(self, error: Exception) -> Exception:
        """A driver's error as SQLAlchemy would raise it (callers tell them apart by class)."""
        if isinstance(error, self._dbapi_error):
            return DBAPIError.instance(self._head + "…", None, error, self._dbapi_error)
        return error


class BatchedInsert:
    """`await insert.add(row)` stores one row and returns its id, or None when a row with
    the same `conflict` values was stored before (a platform's retry). For a row stored on the
    path to an ack: rows that arrive while a write is under way go into the next write
    together (one statement, one commit), as 100 requests in flight would otherwise queue for
    each other's commits on SQLite, and for the pool's connections on PostgreSQL. A write
    that fails fails each of its rows' callers, so none of them is acked."""

    def __init__(self, engine: AsyncEngine, table: Table, *, columns: Sequence[str],
                 conflict: Sequence[str]):
        self._conflict = list(conflict)
        self._store = DirectInsert(engine, table, columns=columns, conflict=conflict,
                                   returning=["id", *conflict])
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task | None = None
        self._name = f"insert-{table.name}"

    async def add(self, row: dict[str, Any]) -> int | None:
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name=self._name)
        return await future

    async def close(self) -> None:
        await self._store.close()

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                inserted = await self._store.run([row for row, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            ids = {tuple(found[1:]): found[0] for found in inserted}
            for row, future in batch:
                if not future.done():  # the same key twice in one batch: the first one wins
                    future.set_result(ids.pop(tuple(row[name] for name in self._conflict),
                                              None))
