"""Which sends are not replies: the outbox marks its sends, so a channel without buttons can tell a screen
the person asked for from one that arrived unasked (a ❓ card, a reminder) while they were answering.

A context variable, set by the sender around its send: the channel's request layer reads it in the same
task, and nothing between them (handlers, the domain) has to pass it along or name a channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_UNASKED: ContextVar[bool] = ContextVar("unasked_send", default=False)


@contextmanager
def unasked_send() -> Iterator[None]:
    """Everything sent inside is not a reply to what the person just typed."""
    token = _UNASKED.set(True)
    try:
        yield
    finally:
        _UNASKED.reset(token)


def is_unasked() -> bool:
    return _UNASKED.get()
