"""`GET /healthz` from inside the running bot: the checks of `chungtay check`, plus the JobQueue.

Why a small aiohttp listener of its own (HEALTH_PORT) rather than a route on the webhook server:
PTB's `Updater.start_webhook` runs a tornado server whose application is private (reaching into
`updater._httpd` would break on a PTB upgrade), and PTB's "custom webhook" approach means replacing the
webhook start and re-implementing the secret-token check. A separate listener leaves the webhook
untouched, works in polling mode too, and can stay on an internal address while only the webhook path is
published through the reverse proxy. aiohttp is already a dependency (the fake Bot API uses it).

Answers 200 when every check is ok or degraded (the bot is serving), 503 when one is failing; the body
is JSON: {"status": ..., "checks": [{"name", "status", "detail"}, ...]}.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from bot.ops.health import Status, check_bot_api, database_checks, overall

log = logging.getLogger(__name__)


async def live_checks(application: Any) -> dict[str, Any]:
    """The checks as seen by the running Application (its engine, its bot, its JobQueue)."""
    runtime = application.runtime
    queue = application.job_queue
    scheduled = [job.name for job in queue.jobs() if job.name] if queue is not None and queue.scheduler.running \
        else []
    results = await asyncio.to_thread(database_checks, runtime.session_factory.engine, now=runtime.clock(),
                                      scheduled=scheduled)
    results.append(await check_bot_api(application.bot.get_me, sandbox=runtime.settings.is_sandbox))
    return {"status": overall(results).value, "checks": [result.as_dict() for result in results]}


class HealthServer:
    """The listener; started and stopped with the Application."""

    def __init__(self, application: Any, *, listen: str, port: int) -> None:
        self.application = application
        self.listen = listen
        self.port = port
        self._runner: web.AppRunner | None = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        body = await live_checks(self.application)
        return web.json_response(body, status=503 if body["status"] == Status.FAILING.value else 200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        log.info("health check on http://%s:%s/healthz", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
