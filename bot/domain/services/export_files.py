"""/export's XLSX and /report's DOCX from plain values, for a worker thread with its own session: the
update's unit and user objects belong to the update's session, so they are looked up again here."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.services.action_text import Localised
from bot.domain.services.exports import ExportScope, build_report_docx, build_workbook
from bot.domain.services.periods import Period
from db.queries import get_unit, get_user_by_telegram_id


def build_scope_file(session: Session, *, kind: str, names: Localised, unit_id: int, viewer_telegram_id: int,
                     period: Period, organisation_code: str | None, category_code: str | None, tz: ZoneInfo,
                     now: datetime, today: date) -> bytes:
    """The XLSX (`kind` "xlsx") or the DOCX draft report of a unit's scope, as the viewer may see it."""
    unit, viewer = get_unit(session, unit_id=unit_id), get_user_by_telegram_id(session, telegram_id=viewer_telegram_id)
    if unit is None or viewer is None:
        raise LookupError("the unit or the user of the export is gone")
    scope = ExportScope(unit=unit, period=period, organisation_code=organisation_code, category_code=category_code)
    if kind == "xlsx":
        return build_workbook(session, names=names, scope=scope, viewer=viewer, tz=tz, now=now)
    return build_report_docx(session, names=names, scope=scope, place=unit.name, today=today)
