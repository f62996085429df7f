"""The announcement desk on SQLite and PostgreSQL: drafts, sending through the outbox, the
scheduled send, cancel, edit, recall and read receipts."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.announcements.desk import (
    AnnouncementDesk,
    Invalid,
    Unavailable,
    post_key,
    report_key,
)
from bot.announcements.drafts import Draft
from bot.announcements.models import Status
from bot.announcements.views import load_post, load_report
from bot.identity import Person
from bot.outbox.models import Delivery, Kind, State
from bot.outbox.queue import deliveries

COORDINATOR = Person("slack", "T0001", "UCOORD")


class Recorder:
    """Stands in for the outbox's and scheduler's wake-up calls (not for their work)."""

    def __init__(self):
        self.woken = 0
        self.wake_ats: list = []

    def wake(self) -> None:
        self.woken += 1

    def wake_at(self, when, name) -> None:
        self.wake_ats.append((when, name))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def desk(sessions, clock, recorder) -> AnnouncementDesk:
    return AnnouncementDesk(sessions, clock=clock, outbox=recorder, scheduler=recorder)


def draft(**changes) -> Draft:
    values = dict(title="Convenant getekend", body="Vandaag *getekend*.",
                  channels=["C1", "C2"])
    values.update(changes)
    return Draft(**values)


async def posts(sessions, announcement) -> list[Delivery]:
    async with sessions() as session:
        return await deliveries(session, topic=announcement.topic)


async def by_key(sessions, key: str) -> Delivery | None:
    async with sessions() as session:
        return (await session.exec(select(Delivery).where(col(Delivery.key) == key))).first()


async def test_send_now_enqueues_one_post_per_channel_and_the_report_in_one_go(
        desk, sessions, recorder):
    announcement = await desk.save_draft(COORDINATOR, draft())
    assert announcement.state == Status.DRAFT
    sent = await desk.send(COORDINATOR, announcement.id)
    assert sent.state == Status.SENDING
    rows = await posts(sessions, announcement)
    assert [(r.key, r.kind, r.channel_id) for r in rows] == [
        (post_key(announcement.id, "C1"), Kind.POST, "C1"),
        (post_key(announcement.id, "C2"), Kind.POST, "C2")]
    report = await by_key(sessions, report_key(announcement.id))
    assert report is not None and report.user_id == "UCOORD" and not report.channel_id
    assert recorder.woken >= 1


async def test_sending_twice_posts_once_and_says_why(desk, sessions, clock):
    announcement = await desk.save_draft(COORDINATOR, draft())
    await desk.send(COORDINATOR, announcement.id)
    with pytest.raises(Unavailable) as refused:
        await desk.send(COORDINATOR, announcement.id)
    assert refused.value.reason == "not_draft"
    assert len(await posts(sessions, announcement)) == 2


@pytest.mark.parametrize(("changes", "fields"), [
    ({"title": "  "}, {"title"}),
    ({"title": "x" * 151}, {"title"}),
    ({"body": ""}, {"body"}),
    ({"body": "x" * 3001}, {"body"}),
    ({"image_url": "ftp://foto.nl/a.jpg"}, {"image_url"}),
    ({"image_url": "foto.jpg"}, {"image_url"}),
    ({"channels": []}, {"channels"}),
    ({"later": True}, {"send_at"}),
    ({"later": True, "send_at": "past"}, {"send_at"}),
])
async def test_invalid_drafts_name_the_field_and_store_nothing(desk, clock, changes, fields):
    if changes.get("send_at") == "past":
        changes["send_at"] = clock() - timedelta(minutes=1)
    with pytest.raises(Invalid) as invalid:
        await desk.save_draft(COORDINATOR, draft(**changes))
    assert set(invalid.value.errors) == fields
    assert all(invalid.value.errors.values())
    assert await desk.recent(COORDINATOR) == []


async def test_scheduled_send_goes_out_once_at_its_time(desk, sessions, clock, recorder):
    when = clock() + timedelta(hours=2)
    announcement = await desk.save_draft(COORDINATOR, draft(later=True, send_at=when))
    scheduled = await desk.send(COORDINATOR, announcement.id)
    assert scheduled.state == Status.SCHEDULED
    assert recorder.wake_ats[-1][0] == when
    await desk.run_due(when - timedelta(seconds=1))
    assert await posts(sessions, announcement) == []
    await desk.run_due(when)
    await desk.run_due(when + timedelta(seconds=5))
    assert len(await posts(sessions, announcement)) == 2
    assert (await desk.get(COORDINATOR, announcement.id)).state == Status.SENDING


async def test_cancel_a_scheduled_send_stops_it(desk, sessions, clock):
    when = clock() + timedelta(hours=1)
    announcement = await desk.save_draft(COORDINATOR, draft(later=True, send_at=when))
    await desk.send(COORDINATOR, announcement.id)
    await desk.cancel(COORDINATOR, announcement.id)
    await desk.run_due(when + timedelta(minutes=1))
    assert await posts(sessions, announcement) == []
    with pytest.raises(Unavailable) as refused:
        await desk.cancel(COORDINATOR, announcement.id)
    assert refused.value.reason == "is_cancelled"


async def test_cancel_a_running_send_withdraws_what_is_pending(desk, sessions, clock):
    announcement = await desk.save_draft(COORDINATOR, draft())
    await desk.send(COORDINATOR, announcement.id)
    await desk.cancel(COORDINATOR, announcement.id)
    assert {r.state for r in await posts(sessions, announcement)} == {State.CANCELLED}


async def test_outbox_sends_then_follow_marks_sent_and_updates_report(sessions, clock, outbox):
    desk = AnnouncementDesk(sessions, clock=clock, outbox=outbox, scheduler=Recorder())
    announcement = await desk.save_draft(COORDINATOR, draft())
    await desk.send(COORDINATOR, announcement.id)
    sent = []

    class Sender:
        platform = "slack"
        builders = {"announcement.post": lambda v, lang: {"text": v["title"]},
                    "announcement.report": lambda v, lang: {"text": str(v["delivered"])}}

        async def post(self, target, message, *, delivery_id):
            from bot.outbox.sender import Sent
            sent.append((target.address, message["text"]))
            return Sent(message_id=f"1.{delivery_id}", conversation_id=target.address)

        async def update(self, conversation_id, message_id, message):
            sent.append((conversation_id, "update:" + message["text"]))

    outbox.add_sender(Sender())
    now = clock()
    await outbox.run_once(now)
    posted = {address: text for address, text in sent}
    assert posted["C1"] == posted["C2"] == "Convenant getekend" and "UCOORD" in posted
    assert await desk.follow(announcement.id, now=now) is False
    assert (await desk.get(COORDINATOR, announcement.id)).state == Status.SENT
    await outbox.run_once(now + timedelta(seconds=3))
    # The report may have gone out while posts were under way; its update shows both.
    assert [text for address, text in sent if address == "UCOORD"][-1] in ("2", "update:2")


async def test_one_read_per_person_and_counts_in_the_view(desk, sessions, clock):
    announcement = await desk.save_draft(COORDINATOR, draft())
    await desk.send(COORDINATOR, announcement.id)
    first = await desk.record_read(Person("slack", "T0001", "U1"), announcement.id, channel_id="C1")
    again = await desk.record_read(Person("slack", "T0001", "U1"), announcement.id,
                                 channel_id="C2")
    other = await desk.record_read(Person("slack", "T0001", "U2"), announcement.id,
                                 channel_id="C2")
    assert (first.is_new, again.is_new, other.is_new) == (True, False, True)
    assert other.count == 2
    async with sessions() as session:
        post = await load_post(session, {"announcement": announcement.id})
        report = await load_report(session, {"announcement": announcement.id})
    assert post["reads"] == 2
    assert [(r["channel"], r["reads"]) for r in report["rows"]] == [("C1", 1), ("C2", 1)]


async def test_recall_deletes_everywhere_and_later_reads_are_refused(desk, sessions, clock):
    announcement = await desk.save_draft(COORDINATOR, draft())
    await desk.send(COORDINATOR, announcement.id)
    await desk.recall(COORDINATOR, announcement.id)
    assert (await desk.get(COORDINATOR, announcement.id)).state == Status.RECALLED
    with pytest.raises(Unavailable) as refused:
        await desk.record_read(Person("slack", "T0001", "U1"), announcement.id)
    assert refused.value.reason == "is_recalled"
    with pytest.raises(Unavailable):
        await desk.edit(COORDINATOR, announcement.id, draft(title="Nieuw"))


async def test_edit_after_sending_updates_every_posted_message(desk, sessions, clock):
    announcement = await desk.save_draft(COORDINATOR, draft())
    await desk.send(COORDINATOR, announcement.id)
    async with sessions() as session:
        for row in await deliveries(session, topic=announcement.topic):
            row.state, row.message_id = State.SENT, "1.1"
            session.add(row)
        await session.commit()
    edited = await desk.edit(COORDINATOR, announcement.id, draft(title="Nieuwe titel",
                                                                 channels=[]))
    assert edited.version == 2 and edited.title == "Nieuwe titel"
    async with sessions() as session:
        updates = await deliveries(session, topic=announcement.topic, kinds=[Kind.UPDATE])
    assert len(updates) == 2


async def test_unknown_or_foreign_announcements_are_unknown(desk):
    with pytest.raises(Unavailable) as refused:
        await desk.get(COORDINATOR, 999)
    assert refused.value.reason == "unknown_announcement"
    announcement = await desk.save_draft(COORDINATOR, draft())
    with pytest.raises(Unavailable):
        await desk.get(Person("slack", "TOTHER", "UCOORD"), announcement.id)
