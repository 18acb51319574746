"""Serving the dashboard from the bot process, on the Application's event loop.

As in python-telegram-bot's custom-webhook example, a `uvicorn.Server` runs a Starlette app beside the
Application: one process, one loop, so a route can wake the outbox sender directly. Two differences
from the example, both because the Application (not uvicorn) owns the process:
- uvicorn's signal handlers are off (`_LoopServer.capture_signals`): Ctrl+C and SIGTERM stop the bot,
  which stops the server at shutdown.
- The listening socket is bound here, before the server task starts, so a port already in use stops
  start-up with a clear error instead of a `sys.exit` inside a background task, and the page answers as
  soon as `start` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator
from typing import Any

import uvicorn

from bot.web.app import create_app

log = logging.getLogger(__name__)


class _LoopServer(uvicorn.Server):
    """uvicorn without its own signal handling (the bot's loop has its own)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class DashboardServer:
    """Started in the Application's post_init, stopped when the Application shuts down."""

    def __init__(self, application: Any, *, listen: str, port: int) -> None:
        self.application = application
        self.listen, self.port = listen, port
        self._server: _LoopServer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.listen else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.listen, self.port))
        except OSError as error:
            sock.close()
            raise RuntimeError(f"the dashboard cannot listen on {self.listen}:{self.port}: {error.strerror}") \
                from None
        sock.listen(128)
        sock.setblocking(False)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(create_app(self.application), log_level="warning", access_log=False,
                                lifespan="off", server_header=False, proxy_headers=True,
                                forwarded_allow_ips="127.0.0.1")
        self._server = _LoopServer(config)
        self._task = asyncio.get_running_loop().create_task(self._server.serve(sockets=[sock]),
                                                            name="dashboard-server")
        log.info("dashboard on http://%s:%s/", self.listen, self.port)

    async def stop(self) -> None:
        server, task = self._server, self._task
        self._server = self._task = None
        if server is None or task is None:
            return
        server.should_exit = True
        await task
