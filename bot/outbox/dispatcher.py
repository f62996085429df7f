"""Works the outbox: claims due deliveries (a conditional update: one claimant wins), renders
them at send time, sends them through the platform's Sender and records the outcome.

FIRST VERSION: sequential and unpaced. To come: per-channel and workspace pacing, 429
Retry-After for every waiting delivery, back-off, and reconciling SENDING rows after a crash.
"""

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.identity import ChannelRef
from bot.outbox.models import Delivery, Kind, State
from bot.outbox.sender import DeliveryError, Sender, ViewLoader

logger = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utcnow,
                 views: Mapping[str, ViewLoader] | None = None, poll: float = 0.5):
        self.sessions = sessions
        self.clock = clock
        self.views: dict[str, ViewLoader] = dict(views or {})
        self.senders: dict[str, Sender] = {}
        self._poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                logger.exception("outbox round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll)
            except TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self, now: datetime | None = None) -> int:
        """Sends every delivery that is due; returns how many were attempted."""
        now = now or self.clock()
        async with self.sessions() as session:
            due = list(await session.exec(
                select(Delivery).where(col(Delivery.state) == State.PENDING,
                                       col(Delivery.not_before) <= now,
                                       col(Delivery.platform).in_(list(self.senders)))
                .order_by(col(Delivery.id)).limit(500)))
        for delivery in due:
            if await self._claim(delivery, now):
                await self._send(delivery, now)
        return len(due)

    async def _claim(self, delivery: Delivery, now: datetime) -> bool:
        async with self.sessions() as session:
            result = await session.execute(
                update(Delivery).where(col(Delivery.id) == delivery.id,
                                       col(Delivery.state) == State.PENDING)
                .values(state=str(State.SENDING), claimed_at=now,
                        attempts=Delivery.attempts + 1))
            await session.commit()
            return result.rowcount == 1

    async def _send(self, delivery: Delivery, now: datetime) -> None:
        sender = self.senders[delivery.platform]
        target = ChannelRef(delivery.platform, delivery.workspace_id, delivery.channel_id,
                            delivery.user_id)
        try:
            async with self.sessions() as session:
                data = delivery.data
                loader = self.views.get(delivery.template)
                if loader is not None:
                    data = await loader(session, delivery.data)
                posted = (await session.get(Delivery, delivery.target_id)
                          if delivery.target_id else None)
            if data is None:
                await self._finish(delivery, State.CANCELLED)
                return
            if delivery.kind in (Kind.UPDATE, Kind.DELETE):
                if posted is None or posted.state in (State.FAILED, State.CANCELLED):
                    await self._finish(delivery, State.CANCELLED)
                    return
                if posted.message_id is None:
                    await self._retry(delivery, now + timedelta(seconds=1), None)
                    return
                conversation = posted.conversation_id or posted.channel_id
                if delivery.kind == Kind.DELETE:
                    await sender.delete(conversation, posted.message_id)
                else:
                    message = sender.builders[delivery.template](data, delivery.language)
                    await sender.update(conversation, posted.message_id, message)
                await self._finish(delivery, State.SENT)
                return
            message = sender.builders[delivery.template](data, delivery.language)
            if delivery.kind == Kind.UPLOAD:
                sent = await sender.upload(target, message, delivery_id=delivery.id or 0)
            else:
                sent = await sender.post(target, message, delivery_id=delivery.id or 0)
            await self._finish(delivery, State.SENT, message_id=sent.message_id,
                               conversation_id=sent.conversation_id)
        except DeliveryError as error:
            if error.permanent:
                await self._finish(delivery, State.FAILED, error=error.reason)
            else:
                wait = error.retry_after or min(60.0, 2.0 ** delivery.attempts)
                await self._retry(delivery, now + timedelta(seconds=wait), error.reason)
        except Exception:
            logger.exception("delivery %s failed", delivery.id)
            backoff = timedelta(seconds=min(60.0, 2.0 ** delivery.attempts))
            await self._retry(delivery, now + backoff, "error")

    async def _finish(self, delivery: Delivery, state: State, **values) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(Delivery).where(col(Delivery.id) == delivery.id,
                                       col(Delivery.state) == State.SENDING)
                .values(state=str(state), sent_at=self.clock() if state == State.SENT else None,
                        **values))
            await session.commit()

    async def _retry(self, delivery: Delivery, when: datetime, reason: str | None) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(Delivery).where(col(Delivery.id) == delivery.id,
                                       col(Delivery.state) == State.SENDING)
                .values(state=str(State.PENDING), not_before=when, error=reason))
            await session.commit()
