"""The buttons of the poverty review's form (handlers/outcomes.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.permissions import MEMBERS
from bot.presentation.callbacks.codec import Action, action

# ------------------------------------------------------------------ the poverty review (/review): the figures
# wait in user_data; the buttons only save, cancel or skip an optional figure of the form

@action("rv:save", audience=MEMBERS)
@dataclass(frozen=True)
class ReviewSave(Action):
    pass


@action("rv:cancel", audience=MEMBERS)
@dataclass(frozen=True)
class ReviewCancel(Action):
    pass


@action("rv:skip", audience=MEMBERS)
@dataclass(frozen=True)
class ReviewSkip(Action):
    pass
