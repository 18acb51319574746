"""What handlers use of the running Application, as a protocol (`ChungTayContext.app`).

Why a protocol and not the class: the Application (bot/app.py) is the wiring, which imports the
handlers; a handler naming it back, even only for type checking, would run an import up the layers.
bot/app.py's `ChungTayApplication` is the one implementation.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol

from telegram import Update

from bot.runtime import Runtime


class AppServices(Protocol):
    runtime: Runtime

    def takes_attachments(self, chat_id: int | None) -> bool:
        """Whether the person can send a photo or a location from this chat."""

    def forget_routes(self) -> None:
        """A person chose where their messages go: the channels read the choices again."""

    async def checkpoint(self, update: Update, user_data: dict[Any, Any] | None, conversation: str,
                         state: object) -> None:
        """Write the user's data and the conversation's next state before the reply that shows it."""

    def forget_unsaved(self, update: object) -> None:
        """Put the user's and chat's data back to what the database holds (after a failed update)."""

    def run_in_background(self, coroutine: Coroutine[Any, Any, None], *, name: str) -> None:
        """Go on with long work after the update is handled."""
