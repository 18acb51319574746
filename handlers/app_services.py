"""What the handlers may ask of the Application that runs them, as a Protocol.

The Application itself (bot/app.py `ChungTayApplication`) is the wiring, above the handlers: naming it here
would make every handler import the wiring that imports them. The wiring's class satisfies this Protocol
(checked by mypy where bot/app.py hands itself to the context), so a handler sees only these few services.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol

from telegram import Update

from bot.runtime import Runtime


class AppServices(Protocol):
    """The services of the running bot a handler uses besides its update and its session."""

    runtime: Runtime

    def takes_attachments(self, chat_id: int | None) -> bool:
        """Whether this chat can send photos and locations (a chat of another channel cannot yet)."""
        ...

    def forget_routes(self) -> None:
        """A person chose where their messages go: the channels read the choices again."""
        ...

    async def checkpoint(self, update: Update, user_data: dict[Any, Any] | None, conversation: str,
                         state: object) -> None:
        """Write the user's data and the step a conversation is about to show, before showing it."""
        ...

    def forget_unsaved(self, update: object) -> None:
        """Put the user's and chat's data back to what the database holds (after a database failure)."""
        ...

    def run_in_background(self, coroutine: Coroutine[Any, Any, None], *, name: str) -> None:
        """Go on with long work after the update is handled; the work opens its own session."""
        ...
