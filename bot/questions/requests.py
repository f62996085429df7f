"""Questions accepted, and answered exactly once: stored with where the answer goes in the same
transaction that claims the event (or command), answered after the ack, and, after a crash or
deploy, answered by the next process at its start.

A request moves pending -> sending -> answered (or back to pending after a failed send,
failed after MAX_ATTEMPTS). Each step is a conditional update, so of two processes (or tasks)
only one answers. A request left `sending` by a process that died is taken over once its
claim is older than its lease (QUESTION_LEASE_SECONDS): its answer was being composed, or was
on the wire. The platform's deliverer then looks whether the answer arrived where it can
(Slack: message metadata in the thread or DM); where it cannot (a response_url, an ephemeral
reply) it is sent again, at least once rather than perhaps never, with a log line naming
it. Only those can be answered twice.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.conversation import Reply
from bot.direct_insert import BatchedInsert
from bot.identity import Person
from bot.questions.conversation import QuestionConversation
from bot.questions.desk import MAX_QUESTION_CHARS
from bot.questions.models import QuestionRequest, RequestState

logger = logging.getLogger(__name__)

MAX_STORED_CHARS = MAX_QUESTION_CHARS + 1  # enough to know it is too long; `length` says how
CLAIM_LEASE = timedelta(seconds=20)  # the default of settings.question_lease_seconds
MAX_ATTEMPTS = 3
SWEEP_EVERY = 5.0  # seconds between looks for requests no process is answering
# The fast path (the answer queued after the ack, which BackgroundWork may hold back up to
# 2.5 s while acks keep coming) goes first.
SWEEP_AFTER = timedelta(seconds=5)



@dataclass(frozen=True)
class ClaimedRequest:
    """A request as the process answering it took it: what a deliverer needs to know."""

    id: int
    platform: str
    workspace_id: str
    user_id: str
    text: str
    length: int
    channel_id: str | None
    thread_ts: str | None
    is_direct: bool
    response_url: str | None
    attempts: int
    received_at: datetime

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:  # SQLite hands back naive datetimes (UTC)
            object.__setattr__(self, "received_at", self.received_at.replace(tzinfo=UTC))


# Posts a reply where the request says (a platform's side); raises when it could not.
Deliver = Callable[[ClaimedRequest, Reply, datetime], Awaitable[None]]

# The statements run for every answer, built once: Core on a connection, as building an ORM
# statement and object per step cost more CPU than running it (about 2 ms of 3 per claim).
_TABLE = QuestionRequest.__table__  # type: ignore[attr-defined]
_WHEN = _TABLE.c.claimed_at.type
# Open: pending, or taken by a process that did not finish it within the lease (claimed
# before `stale_before`).
_OPEN = or_(_TABLE.c.state == RequestState.PENDING.value,
            (_TABLE.c.state == RequestState.SENDING.value)
            & (_TABLE.c.claimed_at < bindparam("stale_before", type_=_WHEN)))
_CLAIM = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("request_id"), _OPEN,
           _TABLE.c.platform.in_(bindparam("platforms", expanding=True)))
    .values(state=RequestState.SENDING.value, claimed_at=bindparam("claimed_now", type_=_WHEN),
            attempts=_TABLE.c.attempts + 1)
    .returning(*(_TABLE.c[field.name] for field in fields(ClaimedRequest))))
_MOVE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("request_id"), _TABLE.c.state == bindparam("from_state"))
    .values(state=bindparam("to_state"),
            answered_at=func.coalesce(bindparam("answered_now", type_=_WHEN), _TABLE.c.answered_at,
                                      type_=_WHEN)))


_ACCEPTED_COLUMNS = ("platform", "workspace_id", "user_id", "claim", "text", "length",
                     "channel_id", "thread_ts", "is_direct", "response_url", "state", "attempts",
                     "received_at")


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
                 sweep_every: float = SWEEP_EVERY, concurrency: int = 4,
                 lease: timedelta = CLAIM_LEASE,
                 give_way: Callable[[], Awaitable[None]] | None = None):
        """`give_way`: awaited before each look for open requests, to let acks go first (a
        look took 5 - 14 ms of the event loop, every SWEEP_EVERY seconds)."""
        self.sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self.conversation = conversation
        self.clock = clock
        self.lease = lease
        self.deliverers: dict[str, Deliver] = {}
        self._sweep_every = sweep_every
        self._give_way = give_way
        self._limit = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()
        self._store = BatchedInsert(self._engine, _TABLE, columns=_ACCEPTED_COLUMNS,
                                    conflict=["platform", "workspace_id", "claim"])
        self._closers: list[Callable[[], Awaitable[None]]] = []

    def add_deliverer(self, platform: str, deliver: Deliver, *,
                      close: Callable[[], Awaitable[None]] | None = None) -> None:
        """`close`: what to run when the process stops (say, closing an HTTP session)."""
        self.deliverers[platform] = deliver
        if close is not None:
            self._closers.append(close)

    async def accept(self, incoming: Incoming) -> int | None:
        """Stores the request as pending and returns its id; None when its claim was stored
        before (a retried event, a replayed command): that one has or gets its answer. On
        the path to the ack: stored with the others that arrive meanwhile (BatchedInsert)."""
        person, typed = incoming.person, incoming.text.strip()
        # On the driver: SQLAlchemy's per-statement work was most of the CPU an ack cost.
        return await self._store.add({
            "platform": person.platform, "workspace_id": person.workspace_id,
            "user_id": person.user_id, "claim": incoming.claim[:128],
            "text": typed[:MAX_STORED_CHARS], "length": len(typed),
            "channel_id": incoming.channel_id, "thread_ts": incoming.thread_ts,
            "is_direct": incoming.is_direct, "response_url": incoming.response_url,
            "state": RequestState.PENDING.value, "attempts": 0, "received_at": self.clock()})

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

    async def _claim(self, request_id: int) -> "ClaimedRequest | None":
        """Takes the request (one conditional UPDATE .. RETURNING): None when another process
        or task has it, or had it and answered it."""
        now = self.clock()
        async with self._engine.begin() as connection:
            row = (await connection.execute(_CLAIM, {
                "request_id": request_id, "claimed_now": now, "stale_before": now - self.lease,
                "platforms": list(self.deliverers)})).first()
        return ClaimedRequest(*row) if row is not None else None

    async def _move(self, request_id: int, from_state: RequestState,
                    to_state: RequestState) -> bool:
        async with self._engine.begin() as connection:
            moved = await connection.execute(_MOVE, {
                "request_id": request_id, "from_state": from_state.value,
                "to_state": to_state.value,
                "answered_now": self.clock() if to_state is RequestState.ANSWERED else None})
        return moved.rowcount == 1

    async def _report_interrupted_sends(self, now: datetime) -> None:
        async with self.sessions() as session:
            ids = list(await session.exec(select(QuestionRequest.id).where(
                col(QuestionRequest.state) == RequestState.SENDING.value,
                col(QuestionRequest.claimed_at) < now - self.lease)))
        if ids:
            logger.warning("question requests %s: the process sending their answers stopped "
                           "mid-send; sending again, so these may arrive twice", ids)

    async def answer_open(self, *, received_before: datetime | None = None) -> int:
        """Answers every request no process is answering (all of them at start); returns how
        many this call delivered."""
        now = self.clock()
        await self._report_interrupted_sends(now)
        query = (select(QuestionRequest.id)
                 .where(_OPEN,
                        col(QuestionRequest.platform).in_(list(self.deliverers)))
                 .order_by(col(QuestionRequest.id)).limit(500))
        if received_before is not None:
            query = query.where(col(QuestionRequest.received_at) < received_before)
        async with self.sessions() as session:
            ids = [request_id for request_id in await session.exec(
                       query, params={"stale_before": now - self.lease})
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

    async def close(self) -> None:
        """After the last answer: closes what the deliverers and the accepting keep open."""
        for close in self._closers:
            await close()
        await self._store.close()

    async def _sweep(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                if self._give_way is not None:
                    await self._give_way()
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
