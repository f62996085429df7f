"""The composition root: reads settings, builds the engine, domain, Slack app and ASGI app."""

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine, Iterator, Sequence
from datetime import timedelta
from typing import TypeVar

import uvicorn
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.announcements import views as announcement_views
from bot.announcements.desk import DUE_JOB as ANNOUNCEMENTS_DUE
from bot.announcements.desk import AnnouncementDesk
from bot.background import BackgroundWork
from bot.clock import Clock, utcnow
from bot.database import create_engine, migrate, session_factory, wal_checkpoints
from bot.deps import Services
from bot.heap import quiet_heap
from bot.identity import Coordinators
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.sender import ViewLoader
from bot.questions.conversation import QuestionConversation
from bot.questions.desk import QuestionDesk
from bot.questions.guidance.content import load_library
from bot.questions.guidance.retrieval import GuidanceIndex
from bot.questions.requests import QuestionRequests
from bot.scheduling import DueJob, Scheduler
from bot.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Seconds a thread may hold the GIL while another waits (Python's default is 5 ms): the event
# loop then gets it back soon from a thread drawing a chart or searching the guidance. At one
# /vraag in flight the ack's p50 went from 8.6 to 2.3 ms (bench/bench.py, 2026-11-29).
GIL_SWITCH_INTERVAL = 0.0005


async def build_services(settings: Settings, *, clock: Clock = utcnow,
                         index: GuidanceIndex | None = None) -> Services:
    """Loads the content (ContentError when invalid) and brings the database up to date;
    `index`: the guidance of settings.content_dir, already built (tests share one)."""
    library = index.library if index is not None else load_library(settings.content_dir)
    engine = create_engine(settings.database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    coordinators = Coordinators.from_config(library.covenant.coordinators, settings.coordinator_ids)
    desk = QuestionDesk(index or GuidanceIndex(library), sessions, clock=clock)
    background = BackgroundWork()
    outbox = Dispatcher(sessions, clock=clock, views=domain_views(), settings=settings,
                        give_way=background.after_acks)
    scheduler = Scheduler(clock, give_way=background.after_acks)
    conversation = QuestionConversation(desk, coordinators, zone=library.covenant.zone,
                                        language=settings.default_language)
    services = Services(settings=settings, covenant=library.covenant, library=library,
                        engine=engine, sessions=sessions, coordinators=coordinators, desk=desk,
                        background=background, outbox=outbox, scheduler=scheduler,
                        clock=clock, conversation=conversation,
                        requests=QuestionRequests(
                            sessions, conversation, clock=clock,
                            lease=timedelta(seconds=settings.question_lease_seconds),
                            give_way=background.after_acks),
                        checkpoints=wal_checkpoints(settings.database_url))
    for name, job in due_jobs(services).items():
        scheduler.add_due_job(name, job)
    return services


def domain_views() -> dict[str, ViewLoader]:
    """What each capability renders at send time, by outbox template name."""
    from bot.checkins.views import checkin_views
    from bot.meetings.views import meeting_views

    return {
        **announcement_views.VIEWS,
        **checkin_views(),
        **meeting_views(),
    }


def due_jobs(services: Services) -> dict[str, DueJob]:
    """Each capability's scheduled work, by name; the scheduler runs them when due."""
    from bot.checkins.rounds import due_job as checkins_due
    from bot.meetings.reminders import REMIND_JOB, reminder_job

    return {
        ANNOUNCEMENTS_DUE: AnnouncementDesk.of(services).run_due,
        "checkins": checkins_due(services),
        REMIND_JOB: reminder_job(services),
    }


def build_slack_client(settings: Settings) -> AsyncWebClient:
    """A Web API client that waits out 429s (Retry-After) and retries dropped connections."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def add_slack_sender(services: Services) -> None:
    """The outbox posts to Slack with a client of its own: it handles 429s itself, holding back
    every waiting delivery of the workspace, where a retry handler would sleep on one."""
    from handlers.slack import slack_builders
    from handlers.slack.sender import SlackSender

    settings = services.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=10,
                            retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=1)])
    services.outbox.add_sender(SlackSender(client, slack_builders()))


def build_asgi_app(services: Services, *, extra_routes: Sequence[BaseRoute] = ()) -> ASGIApp:
    """One ASGI app: Slack events, commands and interactivity on POST /slack/events, and
    /healthz (`extra_routes`: a benchmark's own)."""
    from handlers.slack import SlackEndpoint, build_slack_app, direct_commands

    slack_app = build_slack_app(services, build_slack_client(services.settings))
    add_slack_sender(services)
    slack = SlackEndpoint(slack_app, foreground=services.background.foreground,
                          commands=direct_commands(services))

    async def healthz(_request: Request):
        return JSONResponse({"status": "ok", "sections": len(services.library.sections)})

    rest = Starlette(routes=[
        Route("/slack/events", slack, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        *extra_routes,
    ])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # Slack's requests go straight to the endpoint: Starlette's middleware and routing
        # took 8% of the server's CPU at 100 commands in flight (py-spy, 2026-11-29).
        if (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"] == "/slack/events"):
            return await slack(scope, receive, send)
        await rest(scope, receive, send)

    return app


async def serve(settings: Settings, *, port: int | None = None) -> int:
    """Serves Slack over HTTP, or in Socket Mode when SLACK_APP_TOKEN is set."""
    missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret))
               if value is None]
    if settings.uses_socket_mode:
        missing = [name for name in missing if name != "SLACK_SIGNING_SECRET"]
    placeholders = settings.placeholder_secrets()
    if missing or placeholders:
        logger.error("Cannot serve Slack: set %s (see .env.example)",
                     ", ".join(missing + [f"{name} (still an example value)"
                                          for name in placeholders]))
        return 2
    services = await build_services(settings)
    try:
        # The app (and with it the outbox's Slack sender) exists before the outbox starts.
        if settings.uses_socket_mode:
            handler = _socket_mode_handler(services)
            await services.start()
            async with quiet_heap(services.background.idle_for):
                await handler.start_async()
        else:
            server = GracefulServer(http_server_config(services, port=port))
            await services.start()
            async with quiet_heap(services.background.idle_for):
                await server.serve()
    finally:
        await services.close()
    return 0


class GracefulServer(uvicorn.Server):
    """uvicorn's server, except that after SIGTERM/SIGINT (stop accepting, finish the requests
    in flight) it does not raise the signal again, which would end the process before the
    services close: answers in flight are sent first; what is left stays for the next start."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.handle_exit, signum, None)
        try:
            yield
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


def http_server_config(services: Services, *, host: str | None = None, port: int | None = None,
                       extra_routes: Sequence[BaseRoute] = ()) -> uvicorn.Config:
    """How `convenantbot serve` runs the ASGI app (the benchmark uses it too)."""
    settings = services.settings
    # No access log: Slack posts every event and click, and each line costs the ack time.
    # No proxy headers: nothing reads the client's address or scheme, and rewriting them cost
    # 2% of the server's CPU at 100 commands in flight. No `server` header: nobody needs it.
    return uvicorn.Config(build_asgi_app(services, extra_routes=extra_routes),
                          host=host or settings.host, port=port or settings.port,
                          log_level=settings.log_level.lower(), access_log=False,
                          proxy_headers=False, server_header=False)


def _socket_mode_handler(services: Services):
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from handlers.slack import build_slack_app

    slack_app = build_slack_app(services, build_slack_client(services.settings))
    add_slack_sender(services)
    app_token = services.settings.slack_app_token
    assert app_token is not None  # settings.uses_socket_mode: serve() comes here only then
    return AsyncSocketModeHandler(slack_app, app_token.get_secret_value())


def run_event_loop(main: Coroutine[None, None, T]) -> T:
    """Runs `main` on uvloop where it is installed (uvicorn[standard]), else on asyncio."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def run_terminal_chat(settings: Settings) -> int:
    """The terminal chat on the same domain code: the outbox posts by printing."""
    from handlers.terminal.chat import run_chat

    services = await build_services(settings)
    try:
        return await run_chat(services)
    finally:
        await services.close()


async def upgrade_database(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
