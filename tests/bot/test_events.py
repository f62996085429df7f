"""Claims of requests without an id of their own (a slash command), by their signature."""

from datetime import timedelta

from sqlmodel import select

from bot.events import SignedRequestClaims
from bot.models import ProcessedEvent


async def test_a_signature_is_claimed_once_while_it_is_valid(services, clock):
    claims = SignedRequestClaims(services.sessions, platform="slack-sig", clock=clock)
    assert await claims.claim(workspace_id="T1", signature="v0=abc")
    assert not await claims.claim(workspace_id="T1", signature="v0=abc")
    assert await claims.claim(workspace_id="T2", signature="v0=abc")  # another workspace


async def test_expired_claims_are_removed_while_claiming(services, clock):
    claims = SignedRequestClaims(services.sessions, platform="slack-sig", clock=clock)
    await claims.claim(workspace_id="T1", signature="v0=old")
    clock.advance(minutes=6)
    await claims.claim(workspace_id="T1", signature="v0=new")
    async with services.sessions() as session:
        kept = [row.event_id for row in await session.exec(
            select(ProcessedEvent).where(ProcessedEvent.platform == "slack-sig"))]
    assert kept == ["v0=new"]


async def test_purging_leaves_event_claims_alone(services, clock):
    from bot.events import claim_event
    await claim_event(services.sessions, platform="slack", workspace_id="T1", event_id="Ev1",
                      received_at=clock() - timedelta(hours=1))
    claims = SignedRequestClaims(services.sessions, platform="slack-sig", clock=clock)
    assert await claims.purge(before=clock()) == 0
    assert not await claim_event(services.sessions, platform="slack", workspace_id="T1",
                                 event_id="Ev1")
