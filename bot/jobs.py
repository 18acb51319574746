"""Repeating jobs on PTB's JobQueue (which wraps the one APScheduler scheduler: never start a second).

A repeating job is (re)created at every start with a fixed name and APScheduler id, so a restart or a
second call replaces it instead of adding another; runs that pile up while the bot is busy are
coalesced into one, and a run that is late by up to one interval still runs (APScheduler's default
misfire grace of one second would silently drop it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, ContextTypes

log = logging.getLogger(__name__)


def replace_repeating_job(application: Application[Any, Any, Any, Any, Any, Any],
                          callback: Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]], *, name: str,
                          interval: float, first: float) -> bool:
    """Run `callback` every `interval` seconds from `first` seconds on, as the only job called `name`.

    False (and a warning) when the application has no job queue (PTB installed without the extra).
    """
    queue = application.job_queue
    if queue is None:
        log.warning("no job queue: job %s does not run", name)
        return False
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_repeating(callback, interval=interval, first=first, name=name,
                        job_kwargs={"id": name, "replace_existing": True, "coalesce": True,
                                    "misfire_grace_time": int(interval)})
    return True
