"""What the wiring lends the handlers at start: wake the outbox sender, (re)schedule a unit's digest job.

Why: handlers queue messages through the domain (the outbox is a table) and change digest schedules,
but the sender task and the job queue belong to the wiring (bot/outbox_sender.py, bot/jobs.py), which
imports the handlers; a handler importing them back would make a circle. So the wiring registers these
hooks on the Application when it starts, and handlers call them here. No hook registered (a test that
runs no sender, an Application without a job queue) means nothing to wake or schedule: the sender wakes
by itself within its idle time, and the job is created at the next start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from telegram.ext import Application

from db.models import DigestSchedule

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Hooks:
    wake_outbox: Callable[[], None] | None = None
    schedule_digest: Callable[[DigestSchedule], None] | None = None


_HOOKS: WeakKeyDictionary[AnyApplication, Hooks] = WeakKeyDictionary()


def hooks_of(application: AnyApplication) -> Hooks:
    """The application's hooks (registered by the wiring; set a field to register one)."""
    return _HOOKS.setdefault(application, Hooks())


def wake_outbox(application: AnyApplication) -> None:
    """Rows were queued: let the sender send them now rather than at its next idle wake-up."""
    wake = hooks_of(application).wake_outbox
    if wake is not None:
        wake()


def schedule_digest(application: AnyApplication, schedule: DigestSchedule) -> None:
    """A unit's digest schedule changed: (re)create its weekly job."""
    schedule_job = hooks_of(application).schedule_digest
    if schedule_job is not None:
        schedule_job(schedule)
