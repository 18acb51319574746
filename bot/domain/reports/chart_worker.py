"""Digest charts are drawn in a process of their own: one child, started with the first chart and kept.

Why a process: matplotlib adds about 30 MiB to the resident memory of whichever process imports it, and
importing it (~0.4 s) and drawing are interpreter time that, in a worker thread of the bot, holds the GIL
and so the event loop every other user waits on. In a child the bot neither loads it nor waits on the
GIL for it; the worker thread that builds the digest just waits for the PNG. The child
runs `bot.domain.reports.charts.chart_png`, which imports no database and no Telegram code.

Why spawn and not fork: the bot is multi-threaded (event loop, worker threads, the database pool); a
forked child would copy locks other threads held at that moment and could hang on them. (A spawned child
imports the parent's main script again, under another name: `python -m bot` is exempt, and a script that
draws charts, like the benchmarks, keeps its work under `if __name__ == "__main__"`.)

Lifetime: a `ProcessPoolExecutor` of one worker, created with the first chart and kept (matplotlib is
imported once, there), stopped by `shutdown`: with the application (`ChungTayApplication.shutdown`)
and at interpreter exit. If the bot's process is killed, the child ends on its own (`exit_with_parent`).

If the child dies (the OOM killer, a crash in a native library), the pool is broken: `call` starts a
fresh one and tries once more; if that child dies too, `chart_png` returns None and the digest goes out
without its chart (a digest without its chart beats no digest).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.domain.reports import charts

log = logging.getLogger(__name__)
T = TypeVar("T")

DRAW: Callable[..., bytes] = charts.chart_png
"""What the child runs for a chart (a module-level function: it is sent by name). Tests put a function
there that makes the child die."""

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_exit_hook_registered = False


def _running_pool() -> ProcessPoolExecutor:
    global _pool, _exit_hook_registered
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=exit_with_parent)
            if not _exit_hook_registered:
                atexit.register(shutdown)
                _exit_hook_registered = True
        return _pool


def exit_with_parent() -> None:
    """(Runs in the child, first.) End the child when the bot's process ends, however it ends. After a
    SIGKILL or a crash nobody shuts the pool down, and the child, which holds both ends of its task pipe,
    would wait for work forever, holding its memory. The parent's sentinel becomes ready when it exits."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _discard(broken: ProcessPoolExecutor) -> None:
    """Forget a broken pool (unless another thread already replaced it), so the next call starts a child."""
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def call(function: Callable[..., T], /, **kwargs: Any) -> T:
    """`function(**kwargs)` in the child, waiting for its result (call it from a worker thread, never on the
    event loop). If the child dies, a fresh one is started and the call made once more; if that one dies
    too, BrokenProcessPool is raised. An exception of `function` itself is raised here as it is."""
    try:
        return _in_child(function, kwargs)
    except BrokenProcessPool:
        log.warning("the chart process died; starting a new one and trying again")
    return _in_child(function, kwargs)


def _in_child(function: Callable[..., T], kwargs: dict[str, Any]) -> T:
    pool = _running_pool()
    try:
        return pool.submit(function, **kwargs).result()
    except BrokenProcessPool:
        _discard(pool)
        raise


def chart_png(*, title: str, units: Sequence[tuple[str, int]], trend: Sequence[tuple[str, int]],
              unit_axis: str, trend_axis: str, money_label: str, locale: str = "vi") -> bytes | None:
    """The digest's chart (`bot.domain.reports.charts.chart_png`) drawn in the child, or None when the child died
    twice. Only plain data crosses: labels, integer đồng, the locale; the PNG comes back as bytes."""
    try:
        return call(DRAW, title=title, units=list(units), trend=list(trend), unit_axis=unit_axis,
                    trend_axis=trend_axis, money_label=money_label, locale=locale)
    except BrokenProcessPool:
        log.warning("the chart process died twice: the digest goes out without its chart")
        return None


def shutdown() -> None:
    """Stop the child (after the chart it may be drawing). The next chart starts a new one."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
