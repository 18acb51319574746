"""The dashboard's writes and lists of work: 🔔 reminders, what waits to be checked, one record with its
history, ❓ questions, and files sent to the chat.

Each write goes through the service the chat uses (the outbox, `record_questions.ask`, the export
builders) and is audited. A 🔔 is at most one per unit per local day: its first outbox row has a key
made of the unit and the day, inserted in the same transaction as the others, so a second press (or
two supervisors pressing together) enqueues nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.dashboard.views import NUDGE_KEY, DashboardRefused, period_of, unit_in_scope
from bot.domain.formatting import format_local_datetime
from bot.domain.outbox.queue import DOCUMENT, PHOTO, active_users_of, enqueue
from bot.domain.periods import submissions as reporting
from bot.domain.periods.reminders import PlannedMessage, reminder_text, submit_screen
from bot.domain.permissions import Do, may
from bot.domain.records import questions as record_questions
from bot.domain.records.action_text import Localised
from bot.domain.records.duplicates import unresolved_in
from bot.domain.reports.digests import build_digest
from bot.domain.reports.export_files import build_scope_file
from bot.domain.totals.aggregate import subtree_unit_ids
from bot.domain.units.tree import unit_display
from bot.i18n import get_translator
from db.models import ActionStatus, ReportingPeriod, SupportAction, User
from db.queries import get_unit

LIST_LIMIT = 50
FILE_KINDS = ("xlsx", "docx", "chart")


def nudge(session: Session, *, user: User, period_id: int, unit_id: int, now: datetime, tz: ZoneInfo) -> str:
    """Queue one reminder to the officers of a late or missing unit; commits. Returns "queued",
    "already" (pressed today), "submitted" (nothing to remind) or "no_officers"."""
    period = session.get(ReportingPeriod, period_id)
    unit = get_unit(session, unit_id=unit_id)
    owner = get_unit(session, unit_id=period.unit_id) if period is not None else None
    if period is None or unit is None or owner is None or not may(user, Do.MANAGE_UNIT, owner, session=session) \
            or not may(user, Do.MANAGE_UNIT, unit, session=session) \
            or unit_id not in reporting.expected_unit_ids(session, period_id=period_id):
        raise DashboardRefused("unit")
    if reporting.is_locked(session, period_id=period_id, unit_id=unit_id):
        return "submitted"
    local = now.astimezone(tz)
    officers = list(active_users_of(session, unit_id=unit_id))
    if not officers:
        return "no_officers"
    days_left = (period.due - local.date()).days
    kind = "overdue" if days_left < 0 else f"d{days_left}"
    first_key = NUDGE_KEY.format(unit_id=unit_id, day=f"{local:%Y%m%d}")
    for number, officer in enumerate(officers):
        t = get_translator(officer.locale)
        text = reminder_text(session, t, PlannedMessage(key="", user=officer, kind=kind, period=period,
                                                        unit_id=unit_id), today=local)
        key = first_key if number == 0 else f"{first_key}:{officer.id}"
        added = enqueue(session, key=key, chat_id=officer.telegram_id, user_id=officer.id, now=now,
                        purpose="nudge", screen=submit_screen(t, text, period_id=period_id))
        if number == 0 and not added:
            session.rollback()
            return "already"
    audit.record(session, user_id=user.id, action="nudge", entity="unit", entity_id=unit_id,
                 details={"period_id": period_id, "officers": len(officers), "via": "dashboard"})
    session.commit()
    return "queued"


def _item(session: Session, names: Localised, action: SupportAction, kind: str, **extra: Any) -> dict[str, Any]:
    """A line of the "to check" lists: never the household (the chat's lists do not name it either)."""
    summary = record_questions.record_summary(session, names.catalogue, names.t, action, with_household=False)
    return {"action_id": action.id, "kind": kind, "summary": summary, **extra}


def to_check(session: Session, *, names: Localised, user: User, unit_id: int | None, tz: ZoneInfo,
             ) -> dict[str, Any]:
    """Open ❓ questions, records saved with unusual figures (confirmed by their author, no question open),
    and unresolved double counts, in the unit's subtree, oldest first."""
    t = names.t
    unit = unit_in_scope(session, user=user, unit_id=unit_id)
    questions = []
    for question in record_questions.open_in(session, unit=unit)[:LIST_LIMIT]:
        action = session.get(SupportAction, question.action_id)
        if action is not None:
            questions.append(_item(session, names, action, "question", question=question.question or "",
                                   asked=format_local_datetime(question.asked_at, tz, t.locale)))
    asked = {q["action_id"] for q in questions}
    unusual = session.exec(select(SupportAction).where(
        col(SupportAction.unusual_confirmed), col(SupportAction.status) == ActionStatus.CURRENT,
        col(SupportAction.unit_id).in_(subtree_unit_ids(session, root=unit)))
        .order_by(col(SupportAction.id).desc()).limit(LIST_LIMIT)).all()
    doubles = unresolved_in(session, unit=unit)[:LIST_LIMIT]
    return {"unit": unit_display(t, unit), "questions": questions,
            "unusual": [_item(session, names, a, "unusual") for a in unusual if a.id not in asked],
            "doubles": [_item(session, names, a, "double", original=a.duplicate_of_id) for a in doubles]}


def record_view(session: Session, *, names: Localised, user: User, action_id: int, tz: ZoneInfo) -> dict[str, Any]:
    """One record with every earlier version (a correction supersedes, never overwrites), as the chat shows
    it to a supervisor of its unit (household included), and whether ❓ may be asked now."""
    t = names.t
    action = session.get(SupportAction, action_id)
    if action is None:
        raise DashboardRefused("unit")
    if not may(user, Do.SEE_RECORD, action, session=session):
        raise DashboardRefused("unit")
    versions: list[dict[str, Any]] = []
    current: SupportAction | None = action
    while current is not None and len(versions) < 50:
        author = session.get(User, current.author_id)
        versions.append({"action_id": current.id, "version": current.version, "status": str(current.status.value),
                         "summary": record_questions.record_summary(session, names.catalogue, t, current,
                                                                    with_household=True),
                         "at": format_local_datetime(current.created_at, tz, t.locale),
                         "author": author.display_name if author else "?"})
        current = session.get(SupportAction, current.supersedes_id) if current.supersedes_id else None
    open_question = record_questions.open_question_of(session, action_id=action_id)
    return {"action_id": action_id, "versions": versions,
            "open_question": open_question.question if open_question is not None else None,
            "can_ask": may(user, Do.ASK_ABOUT_RECORD, action, session=session) and open_question is None}


def ask_again(session: Session, *, user: User, action_id: int, text: str, now: datetime, names: Localised) -> int:
    """❓ Hỏi lại from the page: the chat's record-question service (it checks, queues and audits)."""
    try:
        asked = record_questions.ask(session, user=user, action_id=action_id, text=text, now=now,
                                        catalogue=names.catalogue)
    except record_questions.QuestionProblem as problem:
        raise DashboardRefused(f"question:{problem.reason}") from None
    return asked.question.id or 0


def send_file(session: Session, *, kind: str, names: Localised, user_id: int, unit_id: int, period_code: str,
              tz: ZoneInfo, now: datetime) -> str:
    """Build the XLSX, the draft DOCX or the digest chart of a unit and period, queue it to the viewer's chat
    through the outbox, audit it; commits. Slow (seconds): call it in a worker thread with its own session."""
    user = session.get(User, user_id)
    if user is None or kind not in FILE_KINDS:
        raise DashboardRefused("input")
    t = names.t
    today = now.astimezone(tz).date()
    unit, period = unit_in_scope(session, user=user, unit_id=unit_id), period_of(period_code, today=today)
    slug = f"{unit.code.lower()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    caption = t("{unit}, {period}").format(unit=unit_display(t, unit), period=period.label(t))
    if kind == "chart":
        payload = build_digest(session, names=names, unit=unit, period=period, viewer=user, tz=tz, now=now).chart
        if payload is None:
            raise DashboardRefused("chart")
        part_kind, filename = PHOTO, f"bieu-do-{slug}.png"
    else:
        payload = build_scope_file(session, kind=kind, names=names, unit_id=unit.id or 0,
                                   viewer_telegram_id=user.telegram_id, period=period, organisation_code=None,
                                   category_code=None, tz=tz, now=now, today=today)
        part_kind = DOCUMENT
        filename = f"tong-hop-{slug}.xlsx" if kind == "xlsx" else f"bao-cao-{slug}.docx"
    audit.record(session, user_id=user.id, action="dashboard_file", entity="unit", entity_id=unit.id,
                 details={"kind": kind, "period": period.code})
    session.flush()
    stamp = f"{now:%Y%m%d%H%M%S%f}"
    enqueue(session, key=f"dashfile:{user.id}:{kind}:{slug}:{stamp}", chat_id=user.telegram_id, user_id=user.id,
            text=caption, now=now, purpose="dashboard_file", kind=part_kind, payload=payload, filename=filename)
    session.commit()
    return filename


