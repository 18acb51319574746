"""The buttons of every long list of units (handlers/unit_list.py) and of the units picked from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.domain.permissions import MEMBERS
from bot.presentation.callbacks.codec import CODE, ID, PAGE, Action, Choice, action

# ------------------------------------------------------------------ lists of units (handlers/unit_list.py)
# ◀ ▶ and 🔎 of every long list of units. Which list, its root, period and search are kept per user
# (user_data), so a button carries only the list's kind and the page; whoever presses it is checked
# against the list's own audience and the unit tree when it is drawn again.

LIST_KINDS = ("tot", "pick", "st", "dd", "inv", "usr", "unr")
"""totals by unit, the totals unit picker, /status, the drill-down's units, the /invite and /users unit
pickers, /unreached by unit."""


class UnitListButton(Action):
    """Any ◀ ▶ 🔎 button of a list of units (one handler takes them all)."""

    kind: str


@action("ul:pg", audience=MEMBERS)
@dataclass(frozen=True)
class UnitListPage(UnitListButton):
    kind: Annotated[str, Choice(*LIST_KINDS)]
    page: Annotated[int, PAGE]


@action("ul:find", audience=MEMBERS)
@dataclass(frozen=True)
class UnitListFind(UnitListButton):
    kind: Annotated[str, Choice(*LIST_KINDS)]


@action("ul:all", audience=MEMBERS)
@dataclass(frozen=True)
class UnitListAll(UnitListButton):
    kind: Annotated[str, Choice(*LIST_KINDS)]


@action("dd:u", audience=MEMBERS)
@dataclass(frozen=True)
class DrillUnit(Action):
    """A unit of the drill-down's list: its own records of that kind of support."""

    category: Annotated[str, CODE]
    unit_id: Annotated[int, ID]


@action("unr:u", audience=MEMBERS)
@dataclass(frozen=True)
class UnreachedUnit(Action):
    """A unit of /unreached's list: its households not yet supported."""

    unit_id: Annotated[int, ID]
