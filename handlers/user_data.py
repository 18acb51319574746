"""What the bot keeps per user between updates (PTB's `user_data`), typed.

Why a dict subclass: PTB hands every handler the same `user_data` object per user and bot/persistence.py
stores it as JSON; several conversations keep their own keys in it (the /totals view, the pages of a unit
list, a kept line, an invite being made). The /log form's state is a typed `FormState` object under
`FORM`; the typed accessors below are the way to reach the form's keys, so no handler guesses their shape.
`to_json` / `from_json` are what the persistence writes and reads; `from_json` also reads the plain
dicts the form kept before it was typed, so forms half-filled before a deploy resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.records.form_state import FormState

FORM = "log"
"""The /log form's state (a `FormState`)."""
SAVED_LINES = "log_lines"
"""{message id: record id} of the latest lines saved as records, so that editing one of them says how to
correct the record instead of starting a second entry."""
KEEP_SAVED_LINES = 20


class UserData(dict[Any, Any]):
    """One user's data: a dict (other conversations' keys stay as they are) with typed accessors."""

    @classmethod
    def from_json(cls, data: Mapping[Any, Any]) -> UserData:
        """The user's data as persisted (JSON types) → typed values where a key has a type."""
        typed = cls(data)
        if FORM in typed:
            typed[FORM] = FormState.from_json(typed[FORM])
        return typed

    def to_json(self) -> dict[Any, Any]:
        """The user's data as JSON types (what the persistence writes), for code that walks plain data."""
        return {key: value.to_json() if isinstance(value, FormState) else value for key, value in self.items()}

    @property
    def form(self) -> FormState | None:
        """The open /log form, if any (an empty state: only the category picker is open)."""
        value = self.get(FORM)
        if value is None:
            return None
        if not isinstance(value, FormState):  # set as a plain dict by older code or a test
            value = self[FORM] = FormState.from_json(value)
        return value

    def open_form(self, form: FormState | None = None) -> FormState:
        """Start a form afresh (whatever was open is dropped); returns its state."""
        self[FORM] = form if form is not None else FormState()
        return self[FORM]

    def close_form(self) -> None:
        self.pop(FORM, None)

    @property
    def saved_lines(self) -> dict[str, int]:
        """{message id: record id} of the latest lines saved as records (a copy)."""
        stored = self.get(SAVED_LINES)
        return {str(k): int(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    def remember_saved_line(self, message_id: int, record_id: int) -> None:
        saved = self.saved_lines
        saved[str(message_id)] = record_id
        self[SAVED_LINES] = dict(list(saved.items())[-KEEP_SAVED_LINES:])
