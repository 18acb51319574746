"""Which file /export, /report and the 📊 screen's file buttons send: the unit and period of the view
being looked at, the file's name and its caption. Worked out here, in one call, so the handler only
starts the build and sends the result; the build itself is `bot.domain.reports.export_files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.domain.periods.calendar import Period
from bot.domain.totals.screen import view_period, view_unit
from bot.domain.totals.view import TotalsView
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import User


@dataclass(frozen=True)
class ScopeFile:
    """Plain values for the worker thread that builds the file (no ORM objects cross threads)."""

    unit_id: int
    period: Period
    filename: str
    caption: str


def scope_file(session: Session, t: Translator, *, viewer: User, view: TotalsView, kind: str,
               today: date) -> ScopeFile:
    """The file of the view: `kind` is "xlsx" (the figures) or "docx" (the draft report). The view's unit
    may have been dropped for one the viewer still sees (`view_unit`)."""
    unit, period = view_unit(session, user=viewer, view=view), view_period(view, today=today)
    slug = f"{unit.code.lower()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    caption = t("{unit}, {period}").format(unit=unit_display(t, unit), period=period.label(t))
    filename = f"tong-hop-{slug}.xlsx" if kind == "xlsx" else f"bao-cao-{slug}.docx"
    return ScopeFile(unit_id=unit.id or 0, period=period, filename=filename, caption=caption)
