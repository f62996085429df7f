"""Works the outbox at the platform's pace, sends every delivery once, and recovers after a crash.

- **Lanes.** Due deliveries are queued per conversation (platform, workspace, channel or DM):
  conversations are worked concurrently, one conversation's deliveries one after the other, in
  the order they were decided (a delivery waiting out a transient error holds its lane).
- **Pace.** A post or upload waits for its channel's gate (OUTBOX_CHANNEL_RATE, about one
  chat.postMessage per second per channel), every call for its workspace's gate
  (OUTBOX_WORKSPACE_RATE, evenly spaced, see `bot.outbox.pacing`).
- **429.** Retry-After holds back the whole workspace: in this process (every lane stops
  before its next call) and for other replicas (the waiting rows' `not_before` moves to the end
  of the hold). The refused delivery goes back to PENDING without counting as an attempt.
- **Failures.** Transient errors are retried with exponential back-off until
  OUTBOX_MAX_ATTEMPTS, then FAILED with the last reason; permanent ones are FAILED at once.
- **Once.** A delivery is claimed by a conditional UPDATE (pending -> sending; one claimant
  wins) right before its call, and only a SENDING row is finished (request_update may flip a
  SENDING update back to PENDING to run again).
- **Crash.** A SENDING row whose claim is older than OUTBOX_LEASE_SECONDS was left by a process
  that died (a live one finishes well within the lease): `reconcile` looks a post up in its
  conversation by the delivery id in its message metadata (`Sender.find_posted`): found, it is
  SENT with that ts; not found, PENDING again. Updates and deletes are just done again (they
  are idempotent); an upload is looked up by its title and file name where the sender can
  (`find_uploaded`), else uploaded again. The loop reconciles at start and every half lease.
  A post whose call failed without a clear answer (timeout, dropped connection, 5xx) is looked
  up the same way before it is posted again.

Rendering happens at send time: the domain's ViewLoader, then the platform's builder.

**Acks first.** The outbox shares the event loop with the platform's requests, whose acks all
wait while any other work runs. Before each round and each call it awaits `give_way`
(BackgroundWork.after_acks: until no request has been under way for 5 ms, at most 50 ms), so
a fan-out's steps fall between bursts of acks rather than inside them; posts are paced a
second apart per channel anyway. In bench/outbox_bench.py (2026-11-29) the ack p99 of bursts
of /vraag at 100 in flight is now alike with and without a 200-channel fan-out; the fan-out's
ratio to the minimum went from 1.02 to 1.04 under that load.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.identity import ChannelRef
from bot.outbox.models import Delivery, Kind, State
from bot.outbox.pacing import Monotonic, RateGate, Sleep
from bot.outbox.sender import DeliveryError, Sender, Sent, ViewLoader
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Failures after which nobody knows whether the platform posted: look before posting again.
UNKNOWN_OUTCOME = frozenset({"timeout", "connection_error", "error", "internal_error",
                             "fatal_error", "service_unavailable", "request_timeout"})
BATCH = 500  # due rows looked at per round
BACKOFF_BASE = 2.0  # seconds before the second attempt; doubles each time
BACKOFF_MAX = 300.0
LOOKUP_MARGIN = timedelta(minutes=1)  # clock skew between us and the platform
LOOKUP_SPAN = timedelta(days=1)  # how far back a lost post is looked for at most
UNPACED = 1e9  # calls per second of a sender that needs no pace

LaneKey = tuple[str, str, str]  # platform, workspace, channel id or "@" + user id
Workspace = tuple[str, str]

# The statements of every delivery, built once (cheap for the acks sharing the event loop).
_TABLE = Delivery.__table__  # type: ignore[attr-defined]
_CLAIM = (update(_TABLE)
          .where(_TABLE.c.id == bindparam("delivery_id"), _TABLE.c.state == str(State.PENDING),
                 _TABLE.c.not_before <= bindparam("now"))
          .values(state=str(State.SENDING), claimed_at=bindparam("now"),
                  attempts=_TABLE.c.attempts + 1)
          .returning(*_TABLE.c))
_SENDING = (_TABLE.c.id == bindparam("delivery_id"), _TABLE.c.state == str(State.SENDING))
_FINISH = (update(_TABLE).where(*_SENDING)
           .values(state=bindparam("new_state"), sent_at=bindparam("sent_at"),
                   error=bindparam("error"), message_id=bindparam("message_id"),
                   conversation_id=bindparam("conversation_id")))
_FINISH_KEEPING_IDS = (update(_TABLE).where(*_SENDING)
                       .values(state=bindparam("new_state"), sent_at=bindparam("sent_at"),
                               error=bindparam("error")))
# Finding work, every round: pending rows of the platforms this process sends for.
_PENDING = (_TABLE.c.state == str(State.PENDING),
            _TABLE.c.platform.in_(bindparam("platforms", expanding=True)))
_DUE = (sa_select(_TABLE.c.id, _TABLE.c.platform, _TABLE.c.workspace_id, _TABLE.c.channel_id,
                  _TABLE.c.user_id, _TABLE.c.kind)
        .where(*_PENDING, _TABLE.c.not_before <= bindparam("now"))
        .order_by(_TABLE.c.id).limit(BATCH))
# A delivery waiting out its back-off holds back the later ones of its lane.
_WAITING = (sa_select(func.min(_TABLE.c.id), _TABLE.c.platform, _TABLE.c.workspace_id,
                      _TABLE.c.channel_id, _TABLE.c.user_id)
            .where(*_PENDING, _TABLE.c.not_before > bindparam("now"), _TABLE.c.attempts > 0)
            .group_by(_TABLE.c.platform, _TABLE.c.workspace_id, _TABLE.c.channel_id,
                      _TABLE.c.user_id))
_NEXT_AT = (sa_select(func.min(_TABLE.c.not_before))
            .where(*_PENDING, _TABLE.c.not_before > bindparam("now")))
_PUT_BACK = (update(_TABLE).where(*_SENDING)
             .values(state=str(State.PENDING), not_before=bindparam("when"),
                     error=bindparam("error"),
                     attempts=_TABLE.c.attempts - bindparam("uncount")))


def _aware(moment: datetime) -> datetime:
    # SQLite gives timestamps back without their zone; they are stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class _Item:
    id: int
    platform: str
    workspace_id: str
    kind: str
    now: datetime  # the time the round that found it ran at (a test's clock)


@dataclass
class _Lane:
    key: LaneKey
    items: deque[_Item] = field(default_factory=deque)
    task: asyncio.Task | None = None


class Dispatcher:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utcnow,
                 views: Mapping[str, ViewLoader] | None = None, poll: float | None = None,
                 settings: Settings | None = None, monotonic: Monotonic = time.monotonic,
                 sleep: Sleep = asyncio.sleep,
                 give_way: Callable[[], Awaitable[None]] | None = None):
        """`give_way`: awaited before each round and each call, to let acks go first (see
        BackgroundWork.after_acks)."""
        settings = settings or Settings.model_construct()  # the defaults, no environment
        self.sessions = sessions
        self._give_way = give_way
        # The hot path (claim, finish) runs plain statements on the engine: no ORM session.
        self._engine: AsyncEngine = sessions.kw["bind"]
        self.clock = clock
        self.views: dict[str, ViewLoader] = dict(views or {})
        self.senders: dict[str, Sender] = {}
        self.channel_rate = settings.outbox_channel_rate
        self.workspace_rate = settings.outbox_workspace_rate
        self.max_attempts = settings.outbox_max_attempts
        self.lease = timedelta(seconds=settings.outbox_lease_seconds)
        self._poll = poll if poll is not None else settings.outbox_poll_seconds
        self._monotonic = monotonic
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._lanes: dict[LaneKey, _Lane] = {}
        self._queued: set[int] = set()
        self._holds: dict[Workspace, datetime] = {}
        self._workspace_gates: dict[Workspace, RateGate] = {}
        self._channel_gates: dict[LaneKey, RateGate] = {}

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Starts working the outbox; its first step reconciles what a crash left SENDING."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name="outbox")

    async def stop(self) -> None:
        """Stops taking new deliveries, lets calls under way finish (briefly), then stops."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=3)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                await close()

    async def run_once(self, now: datetime | None = None) -> int:
        """Sends every delivery that is due at `now` (at the platform's pace) and waits until
        they are done; returns how many were due."""
        now = now or self.clock()
        keys, due, _next = await self._fill(now)
        tasks = [lane.task for key in keys if (lane := self._lanes.get(key)) is not None
                 and lane.task is not None]
        if tasks:
            await asyncio.wait(tasks)
        return due

    # ------------------------------------------------------------------
    # finding work

    async def _loop(self) -> None:
        reconcile_every = max(0.5, self.lease.total_seconds() / 2)
        next_reconcile = self._monotonic()  # at start: what a crash left behind
        while not self._stopping:
            wait = self._poll
            try:
                if self._give_way is not None:
                    await self._give_way()
                if self._monotonic() >= next_reconcile:
                    await self.reconcile()
                    next_reconcile = self._monotonic() + reconcile_every
                _keys, _due, next_due = await self._fill(self.clock())
                if next_due is not None:
                    wait = min(wait, next_due)
            except Exception:
                logger.exception("outbox round failed")
            wait = min(wait, next_reconcile - self._monotonic())
            try:
                await asyncio.wait_for(self._wake.wait(), max(wait, 0.01))
            except TimeoutError:
                pass
            self._wake.clear()

    async def _fill(self, now: datetime) -> tuple[set[LaneKey], int, float | None]:
        """Queues the due deliveries in their lanes. Returns the lanes holding due rows, how
        many rows are due, and the seconds until the next one falls due (None: nothing)."""
        platforms = list(self.senders)
        if not platforms:
            return set(), 0, None
        # Statements built once, on a connection: through an ORM session, a round that found
        # nothing due cost 3 ms of CPU, on the event loop the acks share.
        values = {"platforms": platforms, "now": now}
        async with self._engine.connect() as connection:
            due = (await connection.execute(_DUE, values)).all()
            waiting = (await connection.execute(_WAITING, values)).all()
            next_at = (await connection.execute(_NEXT_AT, values)).scalar()
        held = {_lane_key(platform, workspace, channel, user): first
                for first, platform, workspace, channel, user in waiting}
        keys: set[LaneKey] = set()
        for delivery_id, platform, workspace, channel, user, kind in due:
            key = _lane_key(platform, workspace, channel, user)
            if key in held and delivery_id > held[key]:
                continue
            keys.add(key)
            if delivery_id in self._queued:
                continue
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = _Lane(key)
            lane.items.append(_Item(delivery_id, platform, workspace, kind, now))
            self._queued.add(delivery_id)
            if lane.task is None:
                lane.task = asyncio.create_task(self._work(lane), name=f"outbox {key}")
        self._forget_idle_gates()
        next_due = ((_aware(next_at) - now).total_seconds() if next_at is not None else None)
        return keys, len(due), next_due

    # ------------------------------------------------------------------
    # sending

    async def _work(self, lane: _Lane) -> None:
        try:
            while lane.items and not self._stopping:
                item = lane.items[0]
                try:
                    carry_on = await self._deliver(lane.key, item)
                except Exception:
                    logger.exception("outbox delivery %s failed", item.id)
                    carry_on = True
                finally:
                    lane.items.popleft()
                    self._queued.discard(item.id)
                if not carry_on:  # the workspace is on hold: the next round picks them up
                    break
        finally:
            for item in lane.items:
                self._queued.discard(item.id)
            lane.items.clear()
            if self._lanes.get(lane.key) is lane:
                del self._lanes[lane.key]

    async def _deliver(self, key: LaneKey, item: _Item) -> bool:
        """Claims and sends one delivery at the pace allowed; False when the workspace is on
        hold (a 429), so the lane stops."""
        workspace = (item.platform, item.workspace_id)
        if self._held(workspace, self._now(item)):
            return False
        channel_gate = (self._channel_gate(key) if item.kind in (Kind.POST, Kind.UPLOAD)
                        else None)
        gate = self._workspace_gate(workspace)
        if channel_gate is not None:
            await channel_gate.acquire()
        try:
            await gate.acquire()
        except BaseException:
            if channel_gate is not None:
                channel_gate.release(called=False)
            raise
        released = False

        def release(called: bool = True) -> None:
            """The gates are free again as soon as the platform answered (the record of the
            outcome in the database does not hold up the next call)."""
            nonlocal released
            if not released:
                released = True
                gate.release(called=called)
                if channel_gate is not None:
                    channel_gate.release(called=called)

        claimed = False
        try:
            if self._give_way is not None:
                await self._give_way()
            now = self._now(item)
            if self._stopping:
                return True
            if self._held(workspace, now):
                return False
            delivery = await self._claim(item.id, now)
            if delivery is None:  # another worker had it, or it was cancelled or moved
                return True
            claimed = True
            await self._send(delivery, now, release)
            return not self._held(workspace, self._now(item))
        finally:
            release(called=claimed)

    async def _claim(self, delivery_id: int, now: datetime) -> Any:
        """PENDING -> SENDING if it still is (and still due): the row, or None when another
        worker won, or it was cancelled or moved meanwhile."""
        async with self._engine.begin() as connection:
            result = await connection.execute(_CLAIM, {"delivery_id": delivery_id, "now": now})
            return result.first()

    async def _send(self, delivery: Delivery, now: datetime,
                    answered: Callable[[], None] = lambda: None) -> None:
        """Renders and sends; `answered` is called once the platform has answered."""
        sender = self.senders[delivery.platform]
        target = _target(delivery)
        assert delivery.id is not None
        try:
            data: dict | None = delivery.data
            posted: Delivery | None = None
            loader = self.views.get(delivery.template) if delivery.kind != Kind.DELETE else None
            if loader is not None or delivery.target_id:
                async with self.sessions() as session:
                    if loader is not None:
                        data = await loader(session, delivery.data)
                    if delivery.target_id:
                        posted = await session.get(Delivery, delivery.target_id)
            if data is None:  # the subject is gone
                await self._finish(delivery, State.CANCELLED)
                return
            builder = sender.builders.get(delivery.template)
            if builder is None and delivery.kind != Kind.DELETE:
                logger.error("no %s builder for outbox template %r", delivery.platform,
                             delivery.template)
                await self._finish(delivery, State.FAILED, error="unknown_template")
                return
            if delivery.kind in (Kind.UPDATE, Kind.DELETE):
                if posted is None or posted.state in (State.FAILED, State.CANCELLED):
                    await self._finish(delivery, State.CANCELLED)
                    return
                if posted.message_id is None:  # the post has not gone out yet
                    await self._put_back(delivery, now + timedelta(seconds=1), delivery.error,
                                         counted=False)
                    return
                conversation = posted.conversation_id or posted.channel_id
                try:
                    if delivery.kind == Kind.DELETE:
                        await sender.delete(conversation, posted.message_id)
                    else:
                        assert builder is not None
                        await sender.update(conversation, posted.message_id,
                                            builder(data, delivery.language))
                finally:
                    answered()
                await self._finish(delivery, State.SENT)
                return
            assert builder is not None
            message = builder(data, delivery.language)
            sent: Sent | None = None
            try:
                if delivery.error in UNKNOWN_OUTCOME:  # the last try may have gone through
                    sent = await self._look_up(sender, delivery, target, message)
                if sent is None:
                    if delivery.kind == Kind.UPLOAD:
                        sent = await sender.upload(target, message, delivery_id=delivery.id)
                    else:
                        sent = await sender.post(target, message, delivery_id=delivery.id)
            finally:
                answered()
            await self._finish(delivery, State.SENT, message_id=sent.message_id,
                               conversation_id=sent.conversation_id)
        except DeliveryError as error:
            await self._failed(delivery, now, error)
        except Exception:
            logger.exception("outbox delivery %s failed", delivery.id)
            await self._failed(delivery, now, DeliveryError("error", permanent=False))

    async def _failed(self, delivery: Delivery, now: datetime, error: DeliveryError) -> None:
        if error.retry_after is not None:
            until = now + timedelta(seconds=max(error.retry_after, 0.0))
            await self._hold((delivery.platform, delivery.workspace_id), until)
            # A 429 on the look-up after an unclear try leaves that try unclear.
            reason = delivery.error if delivery.error in UNKNOWN_OUTCOME else error.reason
            await self._put_back(delivery, until, reason, counted=False)
        elif error.permanent or delivery.attempts >= self.max_attempts:
            logger.warning("outbox delivery %s failed: %s", delivery.id, error.reason)
            await self._finish(delivery, State.FAILED, error=error.reason[:128])
        else:
            backoff = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(delivery.attempts - 1, 0))
            await self._put_back(delivery, now + timedelta(seconds=backoff),
                                 error.reason[:128])

    async def _hold(self, workspace: Workspace, until: datetime) -> None:
        """A 429: nothing more goes to this workspace until `until`, from any replica."""
        if self._holds.get(workspace, until) > until:
            return
        self._holds[workspace] = until
        platform, workspace_id = workspace
        logger.info("outbox: %s %s rate limited until %s", platform, workspace_id, until)
        async with self.sessions() as session:
            await session.execute(
                update(Delivery)
                .where(col(Delivery.platform) == platform,
                       col(Delivery.workspace_id) == workspace_id,
                       col(Delivery.state) == State.PENDING, col(Delivery.not_before) < until)
                .values(not_before=until))
            await session.commit()

    async def _finish(self, delivery: Any, state: State, **values: Any) -> None:
        """Records the outcome, only if the row is still SENDING (see request_update)."""
        values.setdefault("error", None)
        # Updates and deletes keep the ids they have (none of their own).
        statement = _FINISH if "message_id" in values else _FINISH_KEEPING_IDS
        async with self._engine.begin() as connection:
            await connection.execute(statement, {
                "delivery_id": delivery.id, "new_state": str(state),
                "sent_at": self.clock() if state == State.SENT else None, **values})

    async def _put_back(self, delivery: Any, when: datetime, reason: str | None, *,
                        counted: bool = True) -> None:
        """PENDING again, due at `when`; `counted=False`: the try does not count (a 429)."""
        async with self._engine.begin() as connection:
            await connection.execute(_PUT_BACK, {
                "delivery_id": delivery.id, "when": when, "error": reason,
                "uncount": 0 if counted else 1})

    # ------------------------------------------------------------------
    # after a crash

    async def reconcile(self, now: datetime | None = None) -> int:
        """Settles the SENDING rows whose claim is older than the lease (their process died):
        a post found in its conversation is SENT with its ts, anything else PENDING again.
        Returns how many rows were settled."""
        now = now or self.clock()
        platforms = list(self.senders)
        if not platforms:
            return 0
        cutoff = now - self.lease
        expired = (col(Delivery.state) == State.SENDING,
                   or_(col(Delivery.claimed_at) <= cutoff, col(Delivery.claimed_at).is_(None)))
        async with self.sessions() as session:
            rows = list(await session.exec(
                select(Delivery).where(*expired, col(Delivery.platform).in_(platforms))
                .order_by(col(Delivery.id)).limit(BATCH)))
        settled = 0
        for delivery in rows:
            # Take the lease over: of two replicas reconciling at once, one settles it.
            async with self.sessions() as session:
                taken = await session.execute(
                    update(Delivery).where(col(Delivery.id) == delivery.id, *expired)
                    .values(claimed_at=now))
                await session.commit()
            if cast(CursorResult, taken).rowcount != 1:
                continue
            try:
                if await self._reconcile_one(delivery, now):
                    settled += 1
            except Exception:
                logger.exception("outbox: reconciling delivery %s failed", delivery.id)
        return settled

    async def _reconcile_one(self, delivery: Delivery, now: datetime) -> bool:
        sender = self.senders[delivery.platform]
        found: Sent | None = None
        if delivery.kind in (Kind.POST, Kind.UPLOAD):
            try:
                message = None
                if delivery.kind == Kind.UPLOAD:
                    message = await self._render(sender, delivery)
                found = await self._look_up(sender, delivery, _target(delivery), message)
            except DeliveryError as error:
                if not error.permanent:  # look again soon
                    again = now - self.lease + timedelta(seconds=error.retry_after or 5.0)
                    async with self.sessions() as session:
                        await session.execute(
                            update(Delivery).where(col(Delivery.id) == delivery.id,
                                                   col(Delivery.state) == State.SENDING)
                            .values(claimed_at=again))
                        await session.commit()
                    return False
                # The conversation cannot be read (gone, bot removed): the send will tell.
        if found is not None:
            logger.info("outbox: delivery %s was posted before the crash (%s)", delivery.id,
                        found.message_id)
            await self._finish(delivery, State.SENT, message_id=found.message_id,
                               conversation_id=found.conversation_id)
        else:
            await self._put_back(delivery, now, None, counted=False)
        return True

    async def _render(self, sender: Sender, delivery: Delivery) -> dict[str, Any] | None:
        async with self.sessions() as session:
            loader = self.views.get(delivery.template)
            data = await loader(session, delivery.data) if loader else delivery.data
        builder = sender.builders.get(delivery.template)
        return builder(data, delivery.language) if data is not None and builder else None

    async def _look_up(self, sender: Sender, delivery: Delivery, target: ChannelRef,
                       message: dict[str, Any] | None) -> Sent | None:
        """The message this delivery already posted, if any (see the module's docstring)."""
        assert delivery.id is not None
        created = _aware(delivery.created_at)
        claimed = _aware(delivery.claimed_at) if delivery.claimed_at else created
        since = max(created, claimed - LOOKUP_SPAN) - LOOKUP_MARGIN
        if delivery.kind == Kind.UPLOAD:
            find_uploaded = getattr(sender, "find_uploaded", None)
            if find_uploaded is None or message is None:
                return None  # uploaded again: a duplicate file beats a lost one
            return await find_uploaded(target, message, since=since)
        return await sender.find_posted(target, delivery.id, since=since)

    # ------------------------------------------------------------------
    # pace and holds

    def _now(self, item: _Item) -> datetime:
        return max(item.now, self.clock())

    def _held(self, workspace: Workspace, now: datetime) -> bool:
        until = self._holds.get(workspace)
        if until is None:
            return False
        if until <= now:
            del self._holds[workspace]
            return False
        return True

    def _rate(self, platform: str, rate: float) -> float:
        # A sender may say it needs no pace (the terminal prints): then the gates never wait.
        return rate if getattr(self.senders.get(platform), "paced", True) else UNPACED

    def _workspace_gate(self, workspace: Workspace) -> RateGate:
        gate = self._workspace_gates.get(workspace)
        if gate is None:
            gate = self._workspace_gates[workspace] = RateGate(
                self._rate(workspace[0], self.workspace_rate), monotonic=self._monotonic,
                sleep=self._sleep)
        return gate

    def _channel_gate(self, key: LaneKey) -> RateGate:
        gate = self._channel_gates.get(key)
        if gate is None:
            gate = self._channel_gates[key] = RateGate(
                self._rate(key[0], self.channel_rate), monotonic=self._monotonic,
                sleep=self._sleep)
        return gate

    def _forget_idle_gates(self) -> None:
        if len(self._channel_gates) < 1000:
            return
        now = self._monotonic()
        for key, gate in list(self._channel_gates.items()):
            idle_since = gate.idle_since
            if key not in self._lanes and idle_since is not None and (
                    idle_since < now - 2 * gate.window):
                del self._channel_gates[key]


def _lane_key(platform: str, workspace: str, channel: str, user: str) -> LaneKey:
    return platform, workspace, channel or f"@{user}"


def _target(delivery: Delivery) -> ChannelRef:
    return ChannelRef(delivery.platform, delivery.workspace_id, delivery.channel_id,
                      delivery.user_id)
