"""Clicks on "Aanmelden": stored before their ack (`accept`), decided after it (`decide`).

Deciding a seat waits its turn on the session row, too long to do before the platform's ack
when fifty people click at once; but a click the platform was told we took must not be lost
by a crash. So the click is a row first, and a process that takes it (`claimed_at`, with a
lease) signs the person up with seats.sign_up and then deletes the row. What a crash leaves
behind is decided at the next start, or by another process once the lease has run out
(`open_clicks`). Deciding a click twice cannot give two places (seats.sign_up's UNIQUE
registration); the claim keeps the person from getting two answers.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select

from bot.deps import Services
from bot.direct_insert import BatchedInsert
from bot.identity import Person
from bot.meetings.models import SignUpRequest
from bot.meetings.seats import Outcome, sign_up
from bot.meetings.store import aware, changed_rows

# A process that took a click and did not finish it within this time is taken to be gone
# (deciding one takes milliseconds, a second or two when hundreds wait for one session).
LEASE = timedelta(seconds=10)
# The process that stored a click decides it within seconds (bot.background's max_deferral):
# others leave it that long.
SWEEP_AFTER = timedelta(seconds=5)

_TABLE = SignUpRequest.__table__  # type: ignore[attr-defined]
_CLAIM = ["platform", "workspace_id", "claim"]
_COLUMNS = ["platform", "workspace_id", "user_id", "session_id", "claim", "name",
            "response_url", "received_at"]


@dataclass(frozen=True)
class Decided:
    click: SignUpRequest
    outcome: Outcome


async def accept(services: Services, person: Person, session_id: int, *, claim: str,
                 name: str = "", response_url: str = "") -> int | None:
    """Stores the click; None when this very click (a platform's retry) was stored before.
    Clicks that come in together are stored together (BatchedInsert): fifty at once would
    otherwise wait for each other's commits before their acks."""
    clicks = services.kept("meetings.sign_up_clicks", lambda: BatchedInsert(
        services.engine, _TABLE, columns=_COLUMNS, conflict=_CLAIM))
    return await clicks.add({
        "platform": person.platform, "workspace_id": person.workspace_id,
        "user_id": person.user_id, "session_id": session_id, "claim": claim[:128],
        "name": name[:200], "response_url": response_url[:512],
        "received_at": services.clock()})


async def decide(services: Services, request_id: int) -> Decided | None:
    """Signs the clicking person up; None when another process has the click or it was
    decided already."""
    now = services.clock()
    async with services.sessions() as db:
        taken = await db.execute(
            update(SignUpRequest)
            .where(col(SignUpRequest.id) == request_id, _not_taken(now))
            .values(claimed_at=now))
        click = await db.get(SignUpRequest, request_id) if changed_rows(taken) == 1 else None
        await db.commit()
    if click is None:
        return None
    outcome = await sign_up(services, Person(click.platform, click.workspace_id, click.user_id),
                            click.session_id, clicked_at=aware(click.received_at))
    async with services.sessions() as db:
        await db.execute(delete(SignUpRequest).where(col(SignUpRequest.id) == request_id))
        await db.commit()
    return Decided(click, outcome)


async def open_clicks(services: Services, *, received_before: datetime | None) -> list[int]:
    """Clicks no process is deciding, oldest first: all of them, or those received before
    `received_before` (the process that stored a newer one is still about to decide it)."""
    query = (select(SignUpRequest.id).where(_not_taken(services.clock()))
             .order_by(col(SignUpRequest.id)).limit(500))
    if received_before is not None:
        query = query.where(col(SignUpRequest.received_at) < received_before)
    async with services.sessions() as db:
        return [request_id for request_id in await db.exec(query) if request_id is not None]


def _not_taken(now: datetime):
    return or_(col(SignUpRequest.claimed_at).is_(None),
               col(SignUpRequest.claimed_at) < now - LEASE)


async def next_lease_end(services: Services) -> datetime | None:
    """When the earliest claim on an undecided click runs out (a process died holding it),
    so that the click is decided then instead of at the next pass."""
    async with services.sessions() as db:
        earliest = (await db.exec(select(func.min(SignUpRequest.claimed_at)))).one()
    return aware(earliest) + LEASE if earliest is not None else None
