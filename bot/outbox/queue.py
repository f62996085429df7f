"""Deciding to send: functions that add delivery rows inside the caller's transaction, so the
decision and the rows commit together (or not at all). None of them commits."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import utcnow
from bot.database import insert_for
from bot.identity import ChannelRef
from bot.outbox.models import Delivery, Kind, State

# The `not_before` of a delivery due at once: due whatever a clock says (a test's clock that
# started a moment before the row was written included).
AT_ONCE = datetime(1970, 1, 1, tzinfo=UTC)


def _insert(session: AsyncSession):
    return insert_for(session)(Delivery)


async def enqueue(session: AsyncSession, *, key: str, target: ChannelRef, template: str,
                  data: dict | None = None, topic: str = "", language: str = "nl",
                  kind: Kind = Kind.POST, not_before: datetime | None = None,
                  target_id: int | None = None) -> int | None:
    """Adds a delivery unless one with `key` exists (a retried decision); returns the new
    row's id, or None when the key was taken before."""
    values = dict(
        key=key, topic=topic, kind=str(kind), platform=target.platform,
        workspace_id=target.workspace_id, channel_id=target.channel_id,
        user_id=target.user_id, template=template, data=data or {}, language=language,
        target_id=target_id, state=str(State.PENDING), attempts=0,
        not_before=not_before or AT_ONCE, created_at=utcnow(),
    )
    statement = (_insert(session).values(**values)
                 .on_conflict_do_nothing(index_elements=["key"]).returning(Delivery.id))
    return (await session.execute(statement)).scalar_one_or_none()


async def request_update(session: AsyncSession, *, of: Delivery, template: str | None = None,
                         data: dict | None = None, delay: timedelta = timedelta(0),
                         now: datetime | None = None) -> None:
    """Asks for the posted message of `of` to be rendered again (a live count, an edit).
    Requests coalesce: one update row per posted message, re-armed when it already ran, so a
    rush of changes costs one chat.update per `delay`. Rendering happens at send time, so the
    update shows the state of then."""
    due = (now or utcnow()) + delay if now is not None or delay else AT_ONCE
    key = f"update:{of.id}"
    created = await enqueue(
        session, key=key, target=ChannelRef(of.platform, of.workspace_id, of.channel_id,
                                            of.user_id),
        template=template or of.template, data=data if data is not None else of.data,
        topic=of.topic, language=of.language, kind=Kind.UPDATE, not_before=due,
        target_id=of.id)
    if created is not None:
        return
    # A fresh request: the attempts of the earlier ones do not count against it.
    changes: dict = {"state": str(State.PENDING), "attempts": 0}
    if data is not None:
        changes["data"] = data
    if template is not None:
        changes["template"] = template
    # A SENDING row flipped to PENDING runs again after its current send: the dispatcher
    # only marks it SENT while it is still SENDING. A PENDING row keeps its earlier time.
    await session.execute(
        update(Delivery).where(col(Delivery.key) == key,
                               col(Delivery.state).in_([State.SENT, State.FAILED, State.SENDING]))
        .values(**changes, not_before=due))
    if data is not None or template is not None:
        await session.execute(
            update(Delivery).where(col(Delivery.key) == key, col(Delivery.state) == State.PENDING)
            .values(**{k: v for k, v in changes.items() if k not in ("state", "attempts")}))


async def request_delete(session: AsyncSession, *, of: Delivery) -> None:
    """Removes the posted message of `of` (a recall); a post not yet sent is cancelled
    instead, and pending updates of it are dropped."""
    await session.execute(
        update(Delivery).where(col(Delivery.target_id) == of.id,
                               col(Delivery.kind) == Kind.UPDATE,
                               col(Delivery.state) == State.PENDING)
        .values(state=str(State.CANCELLED)))
    if of.state == State.PENDING:
        await session.execute(
            update(Delivery).where(col(Delivery.id) == of.id,
                                   col(Delivery.state) == State.PENDING)
            .values(state=str(State.CANCELLED)))
        return
    await enqueue(session, key=f"delete:{of.id}",
                  target=ChannelRef(of.platform, of.workspace_id, of.channel_id, of.user_id),
                  template=of.template, topic=of.topic, language=of.language, kind=Kind.DELETE,
                  target_id=of.id)


async def cancel_pending(session: AsyncSession, *, topic: str) -> int:
    """Withdraws what of `topic` has not gone out yet; returns how many rows."""
    result = await session.execute(
        update(Delivery).where(col(Delivery.topic) == topic,
                               col(Delivery.state) == State.PENDING)
        .values(state=str(State.CANCELLED)))
    return cast(CursorResult, result).rowcount or 0


async def deliveries(session: AsyncSession, *, topic: str,
                     kinds: Sequence[Kind] = (Kind.POST,)) -> list[Delivery]:
    """The deliveries of `topic`, oldest first (a delivery report reads these)."""
    rows = await session.exec(
        select(Delivery).where(col(Delivery.topic) == topic,
                               col(Delivery.kind).in_([str(k) for k in kinds]))
        .order_by(col(Delivery.id)))
    return list(rows)
