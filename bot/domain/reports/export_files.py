"""/export's XLSX, /report's DOCX and /unreached's XLSX from plain values, for a worker thread with its own session: the
update's unit and user objects belong to the update's session, so they are looked up again here."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.households.erasure import household_name
from bot.domain.periods.calendar import Period
from bot.domain.records.action_text import Localised
from bot.domain.reports.exports import ExportScope, build_report_docx, build_workbook
from bot.domain.reports.xlsx import Column, Kind, Sheet, workbook_bytes
from bot.domain.units.tree import unit_label
from bot.i18n import N_, Translator
from db.models import Household
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


def unreached_workbook(session: Session, t: Translator, households: list[Household], classes: dict[str, str],
                       ) -> bytes:
    """/unreached's XLSX: the households left behind (the user is entitled to their names: own subtree),
    `classes` naming each classification in the user's language."""
    columns = [Column(t(header)) for header in (N_("Unit"), N_("household code"), N_("head of household"),
                                                N_("village"), N_("classification"))]
    labels = {unit_id: unit_label(session, t, unit_id) for unit_id in {h.unit_id for h in households}}
    values: list[list[object]] = [
        [labels[h.unit_id] for h in households], [h.code for h in households],
        [household_name(t, h) for h in households], [h.village for h in households],
        [classes[h.classification] for h in households], [h.members for h in households]]
    return workbook_bytes([Sheet(title=t("Not reached"), columns=[*columns, Column(t("members"), Kind.NUMBER)],
                                 values=values)])
