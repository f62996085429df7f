"""Signing up, switching, withdrawing and declining. The database decides who gets a seat:

- every claim on a session first takes a ticket on the session row (an UPDATE), which locks
  that row until commit (PostgreSQL) or takes the write lock (SQLite): claims on one session
  run one after the other, in the order the database saw them;
- a seat is a conditional `UPDATE ... SET taken = taken + 1 WHERE taken < capacity`: no
  count is read in Python;
- the UNIQUE (meeting, person) registration makes ten clicks by one person one place;
  its changes are compare-and-set on `version`.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.database import insert_for
from bot.deps import Services
from bot.identity import Person
from bot.meetings.models import (
    Meeting,
    MeetingSession,
    MeetingState,
    Registration,
    SessionState,
    Status,
)
from bot.meetings.notices import refresh_invitations, tell
from bot.meetings.store import aware, changed_rows, in_transaction, registration_of

ACTIVE = (Status.CONFIRMED.value, Status.WAITLISTED.value)


class Refused(Exception):
    """The click cannot be honoured; `code` names the text that says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class _Held:
    """What a registration held before this change."""

    status: str
    session_id: int | None
    version: int

    @classmethod
    def of(cls, registration: Registration) -> "_Held":
        return cls(registration.status, registration.session_id, registration.version)


@dataclass(frozen=True)
class Outcome:
    """What a click did: `code` names the answer ("confirmed", "waitlisted", "already", ...)."""

    code: str
    meeting_id: int
    session_id: int | None = None
    position: int = 0
    first_time: bool = False  # the person's first answer to this meeting


async def sign_up(services: Services, person: Person, session_id: int, *,
                  clicked_at: datetime | None = None) -> Outcome:
    """A click on "Aanmelden" for a session: a seat if there is one, else the waitlist. A
    person already signed up for another session of the meeting switches. `clicked_at`: when
    a click stored earlier was made (the deadline counts then, not at its decision)."""
    now = clicked_at or services.clock()

    async def work(db: AsyncSession) -> Outcome:
        try:
            outcome = await _sign_up(db, person, session_id, now)
        except Refused as refused:
            await db.rollback()
            meeting_id = await _meeting_of_session(db, session_id)
            return Outcome(refused.code, meeting_id or 0, session_id)
        await db.commit()
        return outcome

    outcome = await in_transaction(services.sessions, work)
    if outcome.code in (Status.CONFIRMED, Status.WAITLISTED):
        # Its own short transaction: the seats shown are a display, and the claim above
        # holds the session row for fewer statements without it.
        async def refresh(db: AsyncSession) -> None:
            await refresh_invitations(db, outcome.meeting_id, now)
            await db.commit()
        await in_transaction(services.sessions, refresh)
    services.outbox.wake()
    return outcome


async def _sign_up(db: AsyncSession, person: Person, session_id: int, now: datetime
                   ) -> Outcome:
    """A first answer takes the short way: everything that needs no lock first, then one
    UPDATE that numbers the claim and takes a seat if there is one, so the session row is
    held for two more statements and the commit. Anyone with a registration already takes
    `_sign_up_again`."""
    session = await db.get(MeetingSession, session_id)
    if session is None:
        raise Refused("session_gone")
    meeting = _check_open(await db.get(Meeting, session.meeting_id), session, now)
    assert meeting.id is not None
    registration = await _insert_registration(db, meeting.id, person, session_id, 0, now)
    if registration is None:
        return await _sign_up_again(db, person, session_id, now)
    row = (await db.execute(
        update(MeetingSession)
        .where(col(MeetingSession.id) == session_id,
               col(MeetingSession.state) == SessionState.PLANNED)
        .values(tickets=MeetingSession.tickets + 1,
                taken=MeetingSession.taken + case(
                    (col(MeetingSession.taken) < col(MeetingSession.capacity), 1), else_=0),
                last_claim_seated=col(MeetingSession.taken) < col(MeetingSession.capacity))
        .returning(col(MeetingSession.tickets), col(MeetingSession.last_claim_seated)))).first()
    if row is None:
        raise Refused("session_cancelled")
    ticket, seated = row
    status = Status.CONFIRMED if seated else Status.WAITLISTED
    await db.execute(update(Registration).where(col(Registration.id) == registration.id)
                     .values(status=str(status), position=ticket))
    registration.status, registration.position = str(status), ticket
    await tell(db, meeting, registration, reason=registration.status, now=now)
    return Outcome(registration.status, meeting.id, session_id, ticket, first_time=True)


def _check_open(meeting: Meeting | None, session: MeetingSession, now: datetime) -> Meeting:
    if meeting is None:
        raise Refused("session_gone")
    if meeting.state == MeetingState.CANCELLED:
        raise Refused("meeting_cancelled")
    if session.state == SessionState.CANCELLED:
        raise Refused("session_cancelled")
    if aware(session.starts_at) <= now:
        raise Refused("session_past")
    if meeting.rsvp_deadline is not None and aware(meeting.rsvp_deadline) <= now:
        raise Refused("closed")
    return meeting


async def _sign_up_again(db: AsyncSession, person: Person, session_id: int, now: datetime
                         ) -> Outcome:
    """Someone with a registration: the same session again, a switch, or back after
    declining or withdrawing."""
    ticket, meeting = await _take_ticket(db, session_id, now)
    assert meeting.id is not None
    registration = await _locked_registration(db, meeting.id, person)
    if registration.status in ACTIVE and registration.session_id == session_id:
        raise Refused("already_" + registration.status)
    previous = _Held.of(registration)
    await _set(db, registration, now, status=Status.WAITLISTED, session_id=session_id,
               position=ticket)
    seated = await _claim_seat(db, session_id)
    if not seated and previous.status == Status.CONFIRMED:
        raise Refused("switch_full")  # keep the seat they have rather than a waitlist place
    if seated:
        await _set(db, registration, now, status=Status.CONFIRMED)
    if previous.status in ACTIVE and previous.session_id is not None:
        await _leave(db, meeting, previous, registration, now)
    await tell(db, meeting, registration, reason=registration.status, now=now)
    return Outcome(registration.status, meeting.id, session_id, registration.position)


async def withdraw(services: Services, person: Person, meeting_id: int, *,
                   decline: bool = False) -> Outcome:
    """"Afmelden" (or, with `decline`, "Ik kan niet"): gives up the place; the first on the
    waitlist of that session gets the seat, in the same transaction, and is told by DM."""
    now = services.clock()

    async def work(db: AsyncSession) -> Outcome:
        try:
            outcome = await _withdraw(db, person, meeting_id, now, decline=decline)
        except Refused as refused:
            await db.rollback()
            return Outcome(refused.code, meeting_id)
        await db.commit()
        return outcome

    outcome = await in_transaction(services.sessions, work)
    services.outbox.wake()
    return outcome


async def _withdraw(db: AsyncSession, person: Person, meeting_id: int, now: datetime, *,
                    decline: bool) -> Outcome:
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None:
        raise Refused("meeting_gone")
    if meeting.state == MeetingState.CANCELLED:
        raise Refused("meeting_cancelled")
    new_status = Status.DECLINED if decline else Status.WITHDRAWN
    if decline:
        inserted = await _insert_registration(db, meeting_id, person, None, 0, now,
                                              status=Status.DECLINED)
        if inserted is not None:
            return Outcome("declined", meeting_id, first_time=True)
    registration = await registration_of(db, meeting_id, person)
    if registration is None or (registration.status not in ACTIVE and not decline):
        raise Refused("not_registered")
    if registration.status == new_status:
        raise Refused("already_" + new_status)
    previous = _Held.of(registration)
    if previous.session_id is not None and previous.status in ACTIVE:
        # The session row first: the same lock order as a sign-up, so no deadlock.
        await db.execute(update(MeetingSession)
                         .where(col(MeetingSession.id) == previous.session_id)
                         .values(tickets=MeetingSession.tickets + 1))
    if not await _set(db, registration, now, status=new_status, expect=previous.version):
        raise Refused("changed_meanwhile")
    if previous.status in ACTIVE and previous.session_id is not None:
        await _leave(db, meeting, previous, registration, now)
    await refresh_invitations(db, meeting_id, now)
    return Outcome(str(new_status), meeting_id, previous.session_id)


async def _leave(db: AsyncSession, meeting: Meeting, previous: "_Held",
                 registration: Registration, now: datetime) -> None:
    """`registration` no longer holds what `previous` held: free the seat, promote."""
    assert previous.session_id is not None
    if previous.status != Status.CONFIRMED:
        return
    await db.execute(update(MeetingSession).where(col(MeetingSession.id) == previous.session_id)
                     .values(taken=MeetingSession.taken - 1))
    reason = "moved_from" if registration.status in ACTIVE else "withdrawn"
    await tell(db, meeting, registration, reason=reason, now=now,
               session_id=previous.session_id)
    await promote(db, meeting, previous.session_id, now)


async def promote(db: AsyncSession, meeting: Meeting, session_id: int, now: datetime) -> int:
    """Gives free seats of a session to its waitlist, first come first served; each promoted
    person gets a DM with the calendar file. The caller holds the session row."""
    promoted = 0
    while await _claim_seat(db, session_id):
        candidates = await db.exec(
            select(Registration).where(col(Registration.session_id) == session_id,
                                       col(Registration.status) == Status.WAITLISTED)
            .order_by(col(Registration.position), col(Registration.id)).limit(5))
        for candidate in candidates:
            if await _set(db, candidate, now, status=Status.CONFIRMED,
                          expect=candidate.version, expect_status=Status.WAITLISTED):
                await tell(db, meeting, candidate, reason="promoted", now=now)
                promoted += 1
                break
        else:
            await db.execute(update(MeetingSession).where(col(MeetingSession.id) == session_id)
                             .values(taken=MeetingSession.taken - 1))
            break
    return promoted


async def _take_ticket(db: AsyncSession, session_id: int, now: datetime
                       ) -> tuple[int, Meeting]:
    """Locks the session row (the first statement writes, so on SQLite the transaction holds
    the write lock from here) and numbers this claim."""
    row = (await db.execute(
        update(MeetingSession)
        .where(col(MeetingSession.id) == session_id)
        .values(tickets=MeetingSession.tickets + 1)
        .returning(col(MeetingSession.tickets), col(MeetingSession.meeting_id)))).first()
    if row is None:
        raise Refused("session_gone")
    ticket, meeting_id = row
    session = await db.get(MeetingSession, session_id)
    assert session is not None
    await db.refresh(session)
    return ticket, _check_open(await db.get(Meeting, meeting_id), session, now)


async def _claim_seat(db: AsyncSession, session_id: int) -> bool:
    result = await db.execute(
        update(MeetingSession)
        .where(col(MeetingSession.id) == session_id,
               col(MeetingSession.state) == SessionState.PLANNED,
               col(MeetingSession.taken) < col(MeetingSession.capacity))
        .values(taken=MeetingSession.taken + 1))
    return changed_rows(result) > 0


async def _insert_registration(db: AsyncSession, meeting_id: int, person: Person,
                               session_id: int | None, ticket: int, now: datetime, *,
                               status: Status = Status.WAITLISTED) -> Registration | None:
    """The person's new registration, unless they have one (then None)."""
    statement = (insert_for(db)(Registration).values(
        meeting_id=meeting_id, session_id=session_id, platform=person.platform,
        workspace_id=person.workspace_id, user_id=person.user_id, status=str(status),
        position=ticket, version=1, created_at=now, updated_at=now)
        .on_conflict_do_nothing(
            index_elements=["meeting_id", "platform", "workspace_id", "user_id"])
        .returning(*Registration.__table__.columns))  # type: ignore[attr-defined]
    row = (await db.execute(statement)).first()
    return Registration(**row._mapping) if row is not None else None


async def _locked_registration(db: AsyncSession, meeting_id: int, person: Person
                               ) -> Registration:
    query = select(Registration).where(
        col(Registration.meeting_id) == meeting_id,
        col(Registration.platform) == person.platform,
        col(Registration.workspace_id) == person.workspace_id,
        col(Registration.user_id) == person.user_id).with_for_update()
    registration = (await db.exec(query)).first()
    if registration is None:  # it was there a moment ago: deleted rows are not a thing here
        raise Refused("changed_meanwhile")
    await db.refresh(registration)
    return registration


async def _set(db: AsyncSession, registration: Registration, now: datetime, *,
               expect: int | None = None, expect_status: str | None = None,
               reload: bool = True, **values: object) -> bool:
    """Changes a registration (a new version); with `expect`, only if nobody changed it
    since it was read (compare-and-set)."""
    statement = update(Registration).where(col(Registration.id) == registration.id)
    if expect is not None:
        statement = statement.where(col(Registration.version) == expect)
    if expect_status is not None:
        statement = statement.where(col(Registration.status) == expect_status)
    values = {k: (str(v) if isinstance(v, Status) else v) for k, v in values.items()}
    result = await db.execute(statement.values(**values, version=Registration.version + 1,
                                               updated_at=now))
    if not changed_rows(result):
        return False
    if reload:
        await db.refresh(registration)
    else:  # a row this transaction inserted: what changed is known
        for key, value in values.items():
            setattr(registration, key, value)
        registration.version += 1
        registration.updated_at = now
    return True


async def _meeting_of_session(db: AsyncSession, session_id: int) -> int | None:
    found = await db.get(MeetingSession, session_id)
    return found.meeting_id if found is not None else None
