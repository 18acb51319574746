"""One log line per update: update id, kind, handler, duration and outcome, and nothing personal.

The line is written by `ChungTayApplication.process_update`; which handler answered is learnt by
wrapping every handler's callback when it is added to the Application (`instrument`), because PTB does
not tell process_update which handler matched. What the line may hold is fixed here: the update id, the
kind of update (message, callback_query…), the handler's module and function name, the duration and the
outcome (ok, error or ignored). Never the text, a name, a chat id or callback data.

A callback in a group below 0 (the registration gate, the wait for a typed date range) that lets the
update go on does not count as its handler; one that stops the update does. An update no handler took
is "ignored", like one Telegram delivered twice.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, ConversationHandler

log = logging.getLogger("chungtay.updates")
OK, ERROR, IGNORED = "ok", "error", "ignored"
_MARK = "_chungtay_traced"


@dataclass
class UpdateTrace:
    update_id: int | None
    kind: str
    started: float = field(default_factory=time.perf_counter)
    handler: str | None = None
    error: str | None = None


CURRENT_TRACE: ContextVar[UpdateTrace | None] = ContextVar("chungtay_update_trace", default=None)


def update_kind(update: object) -> str:
    """Which field of the Update is set (message, callback_query, …), or the type of a custom update."""
    if isinstance(update, Update):
        return next((kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "other")
    return type(update).__name__


def begin(update: object) -> UpdateTrace:
    trace = UpdateTrace(update_id=update.update_id if isinstance(update, Update) else None,
                        kind=update_kind(update))
    CURRENT_TRACE.set(trace)
    return trace


def finish(trace: UpdateTrace, *, duplicate: bool = False) -> None:
    """Write the update's line (JSON fields go in `extra`, see bot/ops/log_format.py)."""
    CURRENT_TRACE.set(None)
    duration_ms = round((time.perf_counter() - trace.started) * 1000, 1)
    if trace.error is not None:
        outcome = ERROR
    elif duplicate or trace.handler is None:
        outcome = IGNORED
    else:
        outcome = OK
    handler = "duplicate" if duplicate else trace.handler or "-"
    fields = {"update_id": trace.update_id, "update_kind": trace.kind, "handler": handler,
              "duration_ms": duration_ms, "outcome": outcome}
    if trace.error is not None:
        fields["error"] = trace.error
    log.log(logging.WARNING if outcome == ERROR else logging.INFO,
            "update %s %s handler=%s outcome=%s duration_ms=%s%s", trace.update_id, trace.kind, handler, outcome,
            duration_ms, f" error={trace.error}" if trace.error else "", extra=fields)


def callback_name(callback: Callable[..., Any]) -> str:
    """'module.function' without the `handlers.` prefix; a wrapper made inside a function (such as
    totals' `_answered_here(read_range)`) is named after the one callback it wraps."""
    wrapped = getattr(callback, "__wrapped__", None)
    if wrapped is not None:
        return callback_name(wrapped)
    qualname = getattr(callback, "__qualname__", type(callback).__name__)
    if "<locals>" in qualname:
        inner = [cell.cell_contents for cell in (getattr(callback, "__closure__", None) or ())
                 if inspect.iscoroutinefunction(getattr(cell, "cell_contents", None))]
        if len(inner) == 1:
            return callback_name(inner[0])
    module = getattr(callback, "__module__", "") or ""
    return f"{module.removeprefix('handlers.')}.{qualname}".lstrip(".")


def _wrap(callback: Callable[..., Coroutine[Any, Any, Any]], *, passive: bool) -> Callable[..., Any]:
    name = callback_name(callback)

    @functools.wraps(callback)
    async def traced(update: object, context: Any) -> Any:
        trace = CURRENT_TRACE.get()
        try:
            result = await callback(update, context)
        except ApplicationHandlerStop:
            if trace is not None:
                trace.handler = name
            raise
        except Exception as exc:
            if trace is not None:
                trace.handler, trace.error = name, type(exc).__name__
            raise
        if trace is not None and not passive:
            trace.handler = name
        return result

    setattr(traced, _MARK, True)
    return traced


def instrument(handler: BaseHandler[Any, Any, Any], *, group: int) -> None:
    """Wrap the callback of `handler` (and of every handler inside a ConversationHandler) once."""
    if isinstance(handler, ConversationHandler):
        inner: list[BaseHandler[Any, Any, Any]] = [*handler.entry_points, *handler.fallbacks]
        for state_handlers in handler.states.values():
            inner.extend(state_handlers)
        for each in inner:
            instrument(each, group=group)
        return
    callback = getattr(handler, "callback", None)
    if callback is None or getattr(callback, _MARK, False) or not inspect.iscoroutinefunction(callback):
        return
    handler.callback = _wrap(callback, passive=group < 0)
