"""Serves an ASGI app with uvicorn on 127.0.0.1 (a free port) inside the running event loop."""

from __future__ import annotations

import asyncio
import contextlib
import time

import uvicorn


class _Server(uvicorn.Server):
    # Leave SIGINT/SIGTERM to pytest: a test server must not swallow Ctrl-C.
    def capture_signals(self):  # type: ignore[override]
        return contextlib.nullcontext()


class LoopbackServer:
    def __init__(self, app, name: str) -> None:
        self.app = app
        self.name = name
        self.port: int | None = None
        self._server: _Server | None = None
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning",
                                lifespan="off", access_log=False, timeout_graceful_shutdown=2)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(), name=self.name)
        deadline = time.monotonic() + 10
        while not self._server.started:
            if self._task.done():
                self._task.result()  # surfaces the startup error (SystemExit on bind failure)
                raise RuntimeError(f"{self.name} stopped during startup")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start within 10s")
            await asyncio.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, timeout=10)
        finally:
            self._server = None
            self._task = None
