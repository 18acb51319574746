"""/history and /undo as screens: the recent records with the buttons to correct, void or ask about each.

Why one place: a record is shown the same way in /history, in /undo's question and under the totals'
drill-down (bot/domain/records/drilldown.py), with the same buttons for the same people, so the line and
the buttons are written once here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.formatting import format_day
from bot.domain.lookup import editable_action
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.actions import last_own_action, recent_actions, void_action
from bot.domain.records.draft import draft_from_action
from bot.domain.screen import Button, Screen, button, screen_of
from bot.domain.spans import Text, bold, fill
from bot.domain.units.tree import origin_label, unit_kind, unit_label
from bot.i18n import Translator
from db.models import ActionStatus, SupportAction, User


def record_line(session: Session, names: Localised, action: SupportAction) -> str:
    """"#12 · 20/11/2026 · Gạo · 45 hộ, 5.410 kg · Hội LHPN · xã Ia Rsai" (plain words)."""
    t = names.t
    names = names.at(unit_kind(session, action.unit_id))
    draft = draft_from_action(action, session)
    spec = names.catalogue.category_by_code(draft.category or "")
    category = names.category(spec) if spec else "?"
    figures = figures_line(names, spec, draft) if spec else ""
    unit = unit_label(session, t, action.unit_id)
    origin = origin_label(session, t, action.origin_unit_id)
    if origin:
        unit += f" ({origin})"
    unusual = " · ⚠️ " + t("unusual figures, confirmed") if action.unusual_confirmed else ""
    return (f"#{action.id} · {format_day(action.action_date, t.locale)} · {category} · {figures}"
            f" · {names.organisation(draft.organisation)} · {unit}{unusual}")


def record_buttons(session: Session, *, viewer: User, action: SupportAction) -> list[Button]:
    """✏️ and 🗑 for someone who may change the record, and ❓ when they may also send it back with a
    question; [] for everyone else."""
    if action.id is None or not may(viewer, Do.EDIT_RECORD, action, session=session):
        return []
    row = [button(f"✏️ #{action.id}", "record.fix", action.id), button(f"🗑 #{action.id}", "record.void", action.id)]
    if may(viewer, Do.ASK_ABOUT_RECORD, action, session=session):
        row.append(button(f"❓ #{action.id}", "record.ask", action.id))
    return row


def history_screen(session: Session, *, viewer: User, names: Localised) -> Screen:
    """The viewer's recent records, newest first, a row of buttons under each one they may change."""
    t = names.t
    actions = recent_actions(session, user=viewer)
    if not actions:
        return screen_of(t("No entries yet. Send /log or write one line, e.g. “gạo 45 hộ 5410kg”."))
    body = Text().add(*fill(t("{title} (newest first):"), title=bold(t("Recent entries"))))
    rows = []
    for action in actions:
        body.add(record_line(session, names, action))
        if buttons := record_buttons(session, viewer=viewer, action=action):
            rows.append(buttons)
    return Screen(body, rows)


def void_question_screen(session: Session, *, names: Localised, action: SupportAction) -> Screen:
    """"Void this entry?" with the record, ✅ and ❌."""
    t = names.t
    body = Text().add(t("Void this entry? It will no longer be counted; the history keeps it."))
    body.add(record_line(session, names, action))
    return Screen(body, [[button("🗑 " + t("Yes, void it"), "record.void.yes", action.id or 0),
                          button(t("No, keep it"), "record.keep")]])


def ask_void_screen(session: Session, *, viewer: User, names: Localised, action_id: int) -> Screen | None:
    """🗑 under a record: the question, or None when the viewer may not change it (or it is no longer
    current)."""
    action = editable_action(session, user=viewer, action_id=action_id)
    if action is None or action.status != ActionStatus.CURRENT:
        return None
    return void_question_screen(session, names=names, action=action)


def undo_screen(session: Session, *, viewer: User, names: Localised) -> Screen:
    """/undo: the question about the viewer's last current record, or that there is none."""
    action = last_own_action(session, user=viewer)
    if action is None:
        return screen_of(names.t("You have no entry to undo."))
    return void_question_screen(session, names=names, action=action)


def void_screen(session: Session, *, viewer: User, t: Translator, action_id: int, now: datetime) -> Screen:
    """✅ of the question: the record voided (AccessDenied, ValidationProblem or LookupError when it may not
    be, or is gone)."""
    action = void_action(session, action_id=action_id, user=viewer, now=now)
    return screen_of(t("Entry #{id} is void and no longer counted.").format(id=action.id))


def kept_screen(t: Translator) -> Screen:
    """❌ of the question."""
    return screen_of(t("Nothing changed."))


def correcting_screen(t: Translator, action: SupportAction) -> Screen:
    """Said before the form opens on a stored record."""
    return screen_of(t("Correcting entry #{id}.").format(id=action.id))
