"""The /log form's state between updates, typed: the draft, the steps left, and what a line left waiting.

Why a dataclass: the state used to be a dict of strings ("draft", "plan", "queue", …) read and written
in a dozen places, each guessing its shape. It is persisted with the user's data (bot/persistence.py
writes `to_json()`), so a half-filled form survives a restart or a deploy; `from_json` reads the same
JSON shape the dict had, so a form left half-filled before this class existed resumes where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.domain.records.actions import Draft


@dataclass
class OfferedLine:
    """A line that read as a new entry over an open form, waiting for 🔄 replace or ↩ keep."""

    text: str
    source: int | None = None
    """The id of the user's message it came from (an edit of that message redraws the form)."""


@dataclass
class FormState:
    """One open form. Only the form's own handlers change it (handlers/log_form/state.py)."""

    draft: Draft | None = None
    """The entry being filled in; None while only the category picker is open."""
    plan: list[str] = field(default_factory=list)
    """The steps still to ask (bot/domain/records/form_plan.py); empty: the card is shown."""
    queue: list[Draft] = field(default_factory=list)
    """The other actions of the line that opened the form ("quà 100 suất và gạo 500 kg"), each shown as
    its own card once the one before is saved or cancelled."""
    part: tuple[int, int] | None = None
    """(which card, of how many) while a line's actions are shown one by one."""
    source: int | None = None
    """The id of the user's message whose line opened the form (an edit of that line redraws it)."""
    unseen: bool = False
    """The current question is written but may not have reached the user yet (see `say`)."""
    typed_household: str | None = None
    """A household name as typed, kept while the register's matches are offered."""
    line: OfferedLine | None = None
    line_text: str | None = None
    """A line whose kind of support is being picked (kept in the note if a figure does not fit)."""

    def __bool__(self) -> bool:
        """Whether anything is open beyond a bare category picker: other conversations' filters ask
        "is a form open?" this way, as they did when the state was a dict."""
        return bool(self.to_json())

    def to_json(self) -> dict[str, Any]:
        """The persisted shape (JSON types only); empty fields are left out."""
        data: dict[str, Any] = {}
        if self.draft is not None:
            data["draft"] = self.draft.to_dict()
        if self.plan:
            data["plan"] = list(self.plan)
        if self.queue:
            data["queue"] = [d.to_dict() for d in self.queue]
        if self.part is not None:
            data["part"] = list(self.part)
        if self.source is not None:
            data["source"] = self.source
        if self.unseen:
            data["unseen"] = True
        if self.typed_household is not None:
            data["typed_household"] = self.typed_household
        if self.line is not None:
            data["line"] = {"text": self.line.text, "source": self.line.source}
        if self.line_text is not None:
            data["line_text"] = self.line_text
        return data

    @classmethod
    def from_json(cls, data: Any) -> FormState:
        """Read the persisted shape (also the dict the form kept before this class); what cannot be
        read is left out rather than failing the user's next update."""
        if isinstance(data, FormState):
            return data
        if not isinstance(data, dict):
            return cls()
        draft = data.get("draft")
        part = data.get("part")
        line = data.get("line")
        source = data.get("source")
        return cls(
            draft=Draft.from_dict(draft) if isinstance(draft, dict) and draft else None,
            plan=[str(step) for step in data.get("plan") or []],
            queue=[Draft.from_dict(d) for d in data.get("queue") or [] if isinstance(d, dict)],
            part=(int(part[0]), int(part[1])) if isinstance(part, list | tuple) and len(part) == 2 else None,
            source=source if isinstance(source, int) else None,
            unseen=bool(data.get("unseen")),
            typed_household=str(data["typed_household"]) if data.get("typed_household") is not None else None,
            line=OfferedLine(str(line.get("text", "")), line.get("source") if isinstance(line.get("source"), int)
                             else None) if isinstance(line, dict) else None,
            line_text=str(data["line_text"]) if data.get("line_text") is not None else None,
        )
