"""What every platform handler receives: the domain services, built once per process (or per
test) by the composition root in bot/app.py. Below both bot/ capabilities and handlers/."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.background import BackgroundWork
from bot.clock import Clock
from bot.directory import ChannelDirectory
from bot.identity import Coordinators
from bot.outbox.dispatcher import Dispatcher
from bot.partnership import Covenant
from bot.questions.conversation import QuestionConversation
from bot.questions.desk import QuestionDesk
from bot.questions.guidance.content import Library
from bot.questions.requests import QuestionRequests
from bot.scheduling import Scheduler
from bot.settings import Settings
from bot.sqlite_inline import WalCheckpoints


class Closable(Protocol):
    def close(self) -> Awaitable[None]: ...


KeptT = TypeVar("KeptT", bound=Closable)


@dataclass
class Services:
    settings: Settings
    covenant: Covenant
    library: Library
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    coordinators: Coordinators
    desk: QuestionDesk
    background: BackgroundWork
    outbox: Dispatcher
    scheduler: Scheduler
    clock: Clock
    conversation: QuestionConversation
    requests: QuestionRequests
    # Channel membership per platform, set when a platform is wired (handlers/slack).
    directories: dict[str, ChannelDirectory] = field(default_factory=dict)
    # An SQLite file's checkpoints off the event loop (None on PostgreSQL).
    checkpoints: WalCheckpoints | None = None
    _alongside: set[asyncio.Task] = field(default_factory=set, repr=False)
    _kept: dict[str, Closable] = field(default_factory=dict, repr=False)

    def directory(self, platform: str) -> ChannelDirectory | None:
        return self.directories.get(platform)

    @property
    def language(self) -> str:
        return self.settings.default_language

    async def start(self, *, scheduler: bool = True) -> None:
        """Starts the outbox dispatcher, the answering of questions earlier processes left
        open, and (unless a test drives time) the scheduler."""
        if self.checkpoints is not None:
            await self.checkpoints.start()
        await self.outbox.start()
        await self.requests.start()
        if scheduler:
            self.scheduler.start()

    def kept(self, name: str, build: Callable[[], KeptT]) -> KeptT:
        """The one `build()` of this process by `name` (a capability's BatchedInsert on the
        path to an ack, say), closed with these services."""
        if name not in self._kept:
            self._kept[name] = build()
        return self._kept[name]  # type: ignore[return-value]

    def alongside(self, work: Coroutine[Any, Any, object], name: str) -> asyncio.Task:
        """Runs `work` (following something for a while, say a send for its report) in a task
        of its own, until it ends or these services close."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._alongside.add(task)
        task.add_done_callback(self._alongside.discard)
        return task

    async def close(self) -> None:
        self.scheduler.shutdown()
        await self.outbox.stop()
        await self.requests.stop()
        await self.background.drain()
        following = list(self._alongside)  # (the jobs just drained may have added some)
        for task in following:
            task.cancel()
        await asyncio.gather(*following, return_exceptions=True)
        await self.requests.close()
        for kept in self._kept.values():
            await kept.close()
        if self.checkpoints is not None:
            await self.checkpoints.stop()
        await self.engine.dispose()
