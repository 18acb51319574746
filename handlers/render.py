"""The one renderer of the screens services return (bot/domain/services/screen.py): body → message text,
buttons → an inline keyboard whose callback data comes from the codec (handlers/callbacks/).

`VERBS` maps each verb a service may use onto the codec's typed action; a press whose verb is not here
is a programming error and fails at once (tests draw every screen).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.domain.services.screen import Button, Screen
from handlers import callbacks as cb

VERBS: dict[str, Callable[..., cb.Action]] = {
    "totals.choose": cb.TotalsChooser,
    "totals.by": cb.TotalsBreakdown,
    "totals.excel": cb.TotalsExcel,
    "totals.report": cb.TotalsDraftReport,
    "drill": cb.DrillDown,
}


def action_of(item: Button) -> cb.Action:
    return VERBS[item.press.verb](*item.press.values)


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.rows:
        return None
    return InlineKeyboardMarkup([[cb.button(item.label, action_of(item)) for item in row] for row in screen.rows])


def render(screen: Screen) -> tuple[str, Any]:
    """(text, reply markup or None) of a screen, for `answer_in_place` or `reply_text`."""
    return screen.body, keyboard(screen)
