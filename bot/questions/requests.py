"""Questions accepted, and answered exactly once: stored with where the answer goes in the same
transaction that claims the event (or command), answered after the ack, and, after a crash or
deploy, answered by the next process at its start.

A request moves pending -> sending -> answered (or back to pending after a failed send,
failed after MAX_ATTEMPTS). Each step is a conditional update, so of two processes (or tasks)
only one answers. A request left `sending` by a process that died is taken over once its
claim is older than CLAIM_LEASE: its answer was being composed, or was on the wire. The
platform's deliverer then looks whether the answer arrived where it can (Slack: message
metadata in the thread or DM); where it cannot (a response_url, an ephemeral reply) it is
sent again, at least once rather than perhaps never, with a log line naming it. Only those
can be answered twice.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.conversation import Reply
from bot.identity import Person
from bot.questions.conversation import QuestionConversation
from bot.questions.desk import MAX_QUESTION_CHARS
from bot.questions.models import QuestionRequest, RequestState

logger = logging.getLogger(__name__)

MAX_STORED_CHARS = MAX_QUESTION_CHARS + 1  # enough to know it is too long; `length` says how
CLAIM_LEASE = timedelta(seconds=20)  # an answer takes well under a second; 429s a few more
MAX_ATTEMPTS = 3
SWEEP_EVERY = 5.0  # seconds between looks for requests no process is answering
SWEEP_AFTER = timedelta(seconds=2)  # the fast path (answer right after the ack) goes first

# Posts a reply where the request says (a platform's side); raises when it could not.
Deliver = Callable[[QuestionRequest, Reply, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Incoming:
    """What a platform accepted: who typed what, and where the answer goes."""

    person: Person
    claim: str  # unique per workspace: an event id, or "command:<request signature>"
    text: str
    channel_id: str | None = None
    thread_ts: str | None = None
    is_direct: bool = False
    response_url: str | None = None


class QuestionRequests:
    """Accepts requests at ack time and answers them after it, through each platform's
    deliverer; at start, and every few seconds, answers what no process is answering."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 conversation: QuestionConversation, *, clock: Clock = utcnow,
                 sweep_every: float = SWEEP_EVERY, concurrency: int = 4):
        self.sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self.conversation = conversation
        self.clock = clock
        self.deliverers: dict[str, Deliver] = {}
        self._sweep_every = sweep_every
        self._limit = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()
        self._accepting: list[tuple[Incoming, asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task | None = None
        self._accept_statements: dict[str, Any] = {}

    def add_deliverer(self, platform: str, deliver: Deliver) -> None:
        self.deliverers[platform] = deliver

    async def accept(self, incoming: Incoming) -> int | None:
        """Stores the request as pending and returns its id; None when its claim was stored
        before (a retried event, a replayed command): that one has or gets its answer.

        On the path to the ack: requests that arrive while a write is under way go into the
        next write together (one INSERT .. ON CONFLICT DO NOTHING RETURNING, one commit), as
        100 commands in flight would otherwise queue for each other's commits on SQLite."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._accepting.append((incoming, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_accepted(), name="accept-requests")
        return await future

    async def _write_accepted(self) -> None:
        while self._accepting:
            batch, self._accepting = self._accepting, []
            try:
                ids = await self._insert([incoming for incoming, _ in batch])
            except Exception as error:  # each waiting listener fails, so Slack gets no 200
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for incoming, future in batch:
                key = (incoming.person.platform, incoming.person.workspace_id,
                       incoming.claim[:128])
                if not future.done():
                    future.set_result(ids.pop(key, None))  # the same claim twice: first wins

    def _accept_statement(self, connection):
        dialect = connection.dialect.name
        if self._accept_statements.get(dialect) is None:
            from sqlalchemy.dialects import postgresql, sqlite

            table = QuestionRequest.__table__  # type: ignore[attr-defined]
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            self._accept_statements[dialect] = insert(table) \
                .on_conflict_do_nothing(index_elements=["platform", "workspace_id", "claim"]) \
                .returning(table.c.id, table.c.platform, table.c.workspace_id, table.c.claim)
        return self._accept_statements[dialect]

    async def _insert(self, batch: list[Incoming]) -> dict[tuple[str, str, str], int]:
        now = self.clock()
        rows = []
        for incoming in batch:
            person, typed = incoming.person, incoming.text.strip()
            rows.append({
                "platform": person.platform, "workspace_id": person.workspace_id,
                "user_id": person.user_id, "claim": incoming.claim[:128],
                "text": typed[:MAX_STORED_CHARS], "length": len(typed),
                "channel_id": incoming.channel_id, "thread_ts": incoming.thread_ts,
                "is_direct": incoming.is_direct, "response_url": incoming.response_url,
                "state": RequestState.PENDING.value, "attempts": 0, "received_at": now})
        # One statement, compiled once and cached, run with the batch's rows (SQLAlchemy's
        # "insertmanyvalues"), on a Core connection: the ORM's per-statement work was most
        # of the CPU an ack cost.
        async with self._engine.begin() as connection:
            inserted = (await connection.execute(self._accept_statement(connection), rows)).all()
        return {(platform, workspace_id, claim): request_id
                for request_id, platform, workspace_id, claim in inserted}

    async def answer_later(self, request_id: int) -> None:
        """A background job: answers the request (what it returns is for the caller)."""
        await self.answer(request_id)

    async def answer(self, request_id: int) -> bool:
        """Answers one request unless another process or task does; True when this call
        delivered the answer."""
        async with self._limit:
            request = await self._claim(request_id)
            if request is None:
                return False
            person = Person(request.platform, request.workspace_id, request.user_id)
            reply = await self.conversation.reply_to(
                person, request.text, channel_id=request.channel_id, length=request.length)
            try:
                await self.deliverers[request.platform](request, reply, self.clock())
            except Exception:
                gives_up = request.attempts >= MAX_ATTEMPTS
                logger.exception("answering question request %s failed (attempt %d%s)",
                                 request_id, request.attempts, ", giving up" if gives_up else "")
                await self._move(request_id, RequestState.SENDING,
                                 RequestState.FAILED if gives_up else RequestState.PENDING)
                return False
            await self._move(request_id, RequestState.SENDING, RequestState.ANSWERED)
            return True

    async def _claim(self, request_id: int) -> QuestionRequest | None:
        """Takes the request (one conditional UPDATE .. RETURNING): None when another process
        or task has it, or had it and answered it."""
        now = self.clock()
        table = QuestionRequest.__table__  # type: ignore[attr-defined]
        # Core statements on a connection: this runs for every answer, and an ORM session
        # per step costs more CPU than the statement.
        async with self._engine.begin() as connection:
            row = (await connection.execute(
                update(table)
                .where(table.c.id == request_id, self._is_open(now),
                       table.c.platform.in_(list(self.deliverers)))
                .values(state=RequestState.SENDING.value, claimed_at=now,
                        attempts=table.c.attempts + 1)
                .returning(*table.c))).first()
        return QuestionRequest(**row._mapping) if row is not None else None

    @staticmethod
    def _is_open(now: datetime):
        """Pending, or taken by a process that has not finished it within the lease."""
        return or_(col(QuestionRequest.state) == RequestState.PENDING.value,
                   (col(QuestionRequest.state) == RequestState.SENDING.value)
                   & (col(QuestionRequest.claimed_at) < now - CLAIM_LEASE))

    async def _move(self, request_id: int, from_state: RequestState,
                    to_state: RequestState) -> bool:
        table = QuestionRequest.__table__  # type: ignore[attr-defined]
        values: dict = {"state": to_state.value}
        if to_state is RequestState.ANSWERED:
            values["answered_at"] = self.clock()
        async with self._engine.begin() as connection:
            moved = await connection.execute(
                update(table).where(table.c.id == request_id, table.c.state == from_state.value)
                .values(**values))
        return moved.rowcount == 1

    async def _report_interrupted_sends(self, now: datetime) -> None:
        async with self.sessions() as session:
            ids = list(await session.exec(select(QuestionRequest.id).where(
                col(QuestionRequest.state) == RequestState.SENDING.value,
                col(QuestionRequest.claimed_at) < now - CLAIM_LEASE)))
        if ids:
            logger.warning("question requests %s: the process sending their answers stopped "
                           "mid-send; sending again, so these may arrive twice", ids)

    async def answer_open(self, *, received_before: datetime | None = None) -> int:
        """Answers every request no process is answering (all of them at start); returns how
        many this call delivered."""
        now = self.clock()
        await self._report_interrupted_sends(now)
        query = (select(QuestionRequest.id)
                 .where(self._is_open(now),
                        col(QuestionRequest.platform).in_(list(self.deliverers)))
                 .order_by(col(QuestionRequest.id)).limit(500))
        if received_before is not None:
            query = query.where(col(QuestionRequest.received_at) < received_before)
        async with self.sessions() as session:
            ids = [request_id for request_id in await session.exec(query)
                   if request_id is not None]
        if not ids:
            return 0
        done = await asyncio.gather(*(self.answer(request_id) for request_id in ids),
                                    return_exceptions=True)
        return sum(1 for outcome in done if outcome is True)

    async def start(self) -> None:
        """Answers what earlier processes left unanswered, then keeps looking now and then."""
        if self._task is None and self.deliverers:
            self._stopping.clear()
            self._task = asyncio.create_task(self._sweep(), name="question-requests")

    async def stop(self, grace: float = 10.0) -> None:
        """Lets a round in progress finish (up to `grace` seconds); what is left stays pending
        for the next process."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _sweep(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                answered = await self.answer_open(
                    received_before=None if first else self.clock() - SWEEP_AFTER)
                if answered:
                    logger.info("answered %d question(s) left open", answered)
                first = False
            except Exception:
                logger.exception("looking for open question requests failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), self._sweep_every)
            except TimeoutError:
                pass
