"""/history and /undo: recent entries with buttons to correct or void (author or supervisor above)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.formatting import format_day
from bot.domain.lookup import editable_action
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.actions import (
    ValidationProblem,
    last_own_action,
    recent_actions,
    void_action,
)
from bot.domain.records.draft import draft_from_action
from bot.domain.units.tree import origin_label, unit_kind, unit_label
from bot.presentation.callbacks import AskVoid, ConfirmVoid, FixRecord, KeepRecord, button, read
from db.models import ActionStatus, SupportAction
from handlers import log_form, record_questions
from handlers.context import ChungTayContext

MENU_EMOJI = "📜"


def action_line(context: ChungTayContext, action: SupportAction) -> str:
    names = Localised(context.runtime.catalogue, context.t).at(unit_kind(context.session, action.unit_id))
    draft = draft_from_action(action, context.session)
    spec = context.runtime.catalogue.category_by_code(draft.category or "")
    category = names.category(spec) if spec else "?"
    figures = figures_line(names, spec, draft) if spec else ""
    unit = unit_label(context.session, context.t, action.unit_id)
    origin = origin_label(context.session, context.t, action.origin_unit_id)
    if origin:
        unit += f" ({origin})"
    unusual = " · ⚠️ " + context.t("unusual figures, confirmed") if action.unusual_confirmed else ""
    return html.escape(f"#{action.id} · {format_day(action.action_date, context.locale)} · {category} · {figures}"
                       f" · {names.organisation(draft.organisation)} · {unit}{unusual}")


async def show_history(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    t = context.t
    actions = recent_actions(context.session, user=user)
    if not actions:
        await message.reply_text(t("No entries yet. Send /log or write one line, e.g. “gạo 45 hộ 5410kg”."))
        return
    lines = [t("<b>Recent entries</b> (newest first):")]
    rows: list[list[InlineKeyboardButton]] = []
    for action in actions:
        lines.append(action_line(context, action))
        if may(user, Do.EDIT_RECORD, action, session=context.session):
            rows.append(record_buttons(action) + record_questions.ask_buttons(context, action))
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML,
                             reply_markup=InlineKeyboardMarkup(rows) if rows else None)


def record_buttons(action: SupportAction) -> list[InlineKeyboardButton]:
    """✏️ and 🗑 for one record (also under the totals' drill-down)."""
    assert action.id is not None
    return [button(f"✏️ #{action.id}", FixRecord(action.id)), button(f"🗑 #{action.id}", AskVoid(action.id))]


async def undo(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    action = last_own_action(context.session, user=user)
    if action is None:
        await message.reply_text(context.t("You have no entry to undo."))
        return
    text, keyboard = _confirm_void(context, action)
    await message.reply_text(text, reply_markup=keyboard, parse_mode=ParseMode.HTML)


def _confirm_void(context: ChungTayContext, action: SupportAction) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    text = t("Void this entry? It will no longer be counted; the history keeps it.") + "\n" + \
        action_line(context, action)
    keyboard = InlineKeyboardMarkup([[
        button("🗑 " + t("Yes, void it"), ConfirmVoid(action.id or 0)),
        button(t("No, keep it"), KeepRecord())]])
    return text, keyboard


def _allowed_action(context: ChungTayContext, action_id: int) -> SupportAction | None:
    return editable_action(context.session, user=context.db_user, action_id=action_id)


async def ask_void(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    assert query is not None
    action = _allowed_action(context, read(update, AskVoid).action_id)
    if action is None or action.status != ActionStatus.CURRENT:
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return
    await query.answer()
    text, keyboard = _confirm_void(context, action)
    await query.message.reply_text(text, reply_markup=keyboard, parse_mode=ParseMode.HTML)  # type: ignore[union-attr]


async def confirm_void(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    try:
        action = void_action(context.session, action_id=read(update, ConfirmVoid).action_id, user=user,
                             now=context.runtime.clock())
    except (AccessDenied, ValidationProblem, LookupError):
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(context.t("Entry #{id} is void and no longer counted.").format(id=action.id))


async def keep(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(context.t("Nothing changed."))


async def start_fix(update: Update, context: ChungTayContext) -> str | int:
    """Entry point of the logging form for a correction of a stored record."""
    query = update.callback_query
    assert query is not None
    action = _allowed_action(context, read(update, FixRecord).action_id)
    if action is None or action.status != ActionStatus.CURRENT:
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return log_form.ConversationHandler.END
    await query.answer()
    log_form.start_correction(context, action)
    await query.message.reply_text(context.t("Correcting entry #{id}.").format(id=action.id))  # type: ignore[union-attr]
    return await log_form.show_card_for_correction(update, context)
