"""The one place that registers every Telegram handler on the Application, and the function behind each command.

Why in the wiring and not in `handlers/__init__.py`: registering needs every handler module, and a package's
`__init__` runs whenever any of its modules is imported, so importing one handler used to import them all
(through imports hidden inside functions). Here, above the handlers, the imports are plain and one-way.

The order of registration is behaviour: PTB tries the handlers of a group in order, and groups in ascending
order (the gate first, then the steps waiting for one typed line, then everything else).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.presentation import callbacks as cb
from handlers import (
    channel_link,
    common,
    dashboard,
    digest,
    drilldown,
    duplicates,
    gate,
    history,
    household_erase,
    household_import,
    households,
    invite,
    log_form,
    onboarding,
    outcome_chat,
    outcomes,
    record_questions,
    reporting,
    totals,
    totals_range,
    unit_list,
    unreached,
    users,
)
from handlers.context import ChungTayContext
from handlers.registry import command_table

Callback = Callable[[Update, ChungTayContext], Coroutine[Any, Any, Any]]

GATE_GROUP = -2
WAIT_GROUP = -1
"""Steps that wait for one typed line (the dates after "📅 Other dates" under /totals, the question after
❓ and the reply after ✍️ of a record sent back). They run after
the gate and before the main group, so the line they wait for wins over questions, quick entry and
an open logging form, while anything else ends the wait and still reaches the main group."""

COMMAND_HANDLERS: dict[str, Callback] = {
    "start": onboarding.start,
    "history": history.show_history,
    "undo": history.undo,
    "totals": totals.show_totals,
    "export": totals.export,
    "report": totals.report,
    "digest": digest.digest,
    "digest_schedule": digest.digest_schedule,
    "submit": reporting.submit,
    "period": reporting.define_period,
    "status": reporting.show_status,
    "dashboard": dashboard.open_dashboard,
    "target": reporting.set_target,
    "reopen": reporting.reopen,
    "household": households.find_household,
    "household_add": households.add_household,
    "household_erase": household_erase.erase_command,
    "unreached": unreached.show_unreached,
    "suspects": duplicates.show_suspects,
    "me": onboarding.show_me,
    "zalo": channel_link.make_code,
    "kenh": channel_link.choose_channel,
    "language": onboarding.choose_language,
    "users": users.show_users,
    "invites": users.show_invites,
    "cancel": common.cancel,
    "help": onboarding.show_help,
}
"""The function behind each command of the table (handlers/registry.py). A command of the table missing
here is the entry point of a conversation that registers it itself (/log, /invite, /review)."""


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, gate.gate), group=GATE_GROUP)
    application.add_handler(CallbackQueryHandler(cb.refuse_empty, pattern=cb.nothing), group=GATE_GROUP - 1)
    application.add_handler(CallbackQueryHandler(onboarding.set_language, pattern=cb.on(cb.SetLanguage)))
    application.add_handler(CallbackQueryHandler(channel_link.set_channel, pattern=cb.on(cb.SetRoute)))
    application.add_handler(invite.build_invite_conversation())
    application.add_handler(MessageHandler(filters.Regex(f"^{history.MENU_EMOJI}") & filters.ChatType.PRIVATE,
                                           history.show_history))
    application.add_handler(CallbackQueryHandler(history.ask_void, pattern=cb.on(cb.AskVoid)))
    application.add_handler(CallbackQueryHandler(history.confirm_void, pattern=cb.on(cb.ConfirmVoid)))
    application.add_handler(CallbackQueryHandler(history.keep, pattern=cb.on(cb.KeepRecord)))
    application.add_handler(CallbackQueryHandler(households.view_household, pattern=cb.on(cb.ViewHousehold)))
    # the review list of a household import: read and written in the background
    application.add_handler(CallbackQueryHandler(household_import.confirm_import,
                                                 pattern=cb.on(cb.ImportHouseholds, cb.SkipImport)))
    application.add_handler(CallbackQueryHandler(duplicates.answer, pattern=cb.on(cb.ResolveDuplicate)))
    # the poverty review: its sheet before the household list's
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE
                                           & outcome_chat.ReviewSheetFilter(), outcome_chat.receive_sheet))
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE,
                                           household_import.receive_list))
    application.add_handler(CallbackQueryHandler(outcomes.save, pattern=cb.on(cb.ReviewSave)))
    application.add_handler(CallbackQueryHandler(outcomes.stale_cancel, pattern=cb.on(cb.ReviewCancel, cb.ReviewSkip)))
    # totals: 📊, plain questions (before quick entry)
    application.add_handler(MessageHandler(filters.Regex(f"^{totals.MENU_EMOJI}") & filters.ChatType.PRIVATE,
                                           totals.show_totals))
    application.add_handler(CallbackQueryHandler(totals.on_button, pattern=cb.on(cb.TotalsButton)))
    application.add_handler(CallbackQueryHandler(totals.answer_kept_line, pattern=cb.on(cb.KeptLineTotals)))
    menu_buttons = filters.Regex(f"^({log_form.MENU_LOG_EMOJI}|{history.MENU_EMOJI}|{totals.MENU_EMOJI})")
    # ❓ Hỏi lại: the waits for a typed question or reply, then the buttons
    application.add_handler(record_questions.build_question_conversation(leave_on=menu_buttons), group=WAIT_GROUP)
    # the typed range; the typed search of a list of units
    application.add_handler(totals_range.build_range_conversation(leave_on=menu_buttons), group=WAIT_GROUP)
    application.add_handler(outcomes.build_review_conversation(leave_on=menu_buttons), group=WAIT_GROUP)
    searching = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & ~menu_buttons
    application.add_handler(MessageHandler(searching & unit_list.SearchWaiting(application), unit_list.read_search),
                            group=WAIT_GROUP)
    application.add_handler(MessageHandler(filters.COMMAND | menu_buttons, unit_list.end_wait), group=WAIT_GROUP)
    application.add_handler(CallbackQueryHandler(unit_list.end_wait), group=WAIT_GROUP)
    application.add_handler(CallbackQueryHandler(unit_list.on_button, pattern=cb.on(cb.UnitListButton)))
    application.add_handler(CallbackQueryHandler(record_questions.confirm_figures, pattern=cb.on(cb.ConfirmFigures)))
    application.add_handler(CallbackQueryHandler(record_questions.stale_cancel, pattern=cb.on(cb.CancelQuestion)))
    application.add_handler(CallbackQueryHandler(drilldown.show_records, pattern=cb.on(cb.DrillDown)))
    application.add_handler(CallbackQueryHandler(drilldown.show_unit, pattern=cb.on(cb.DrillUnit)))
    # /unreached: a unit of its list of units
    application.add_handler(CallbackQueryHandler(unreached.show_unit, pattern=cb.on(cb.UnreachedUnit)))
    # reporting cycle: the buttons of periods and submissions
    application.add_handler(CallbackQueryHandler(reporting.on_preset, pattern=cb.on(cb.PeriodPreset)))
    application.add_handler(CallbackQueryHandler(reporting.on_submit_button, pattern=cb.on(cb.SubmitPeriod)))
    application.add_handler(CallbackQueryHandler(reporting.on_confirm, pattern=cb.on(cb.ConfirmSubmit)))
    application.add_handler(CallbackQueryHandler(reporting.on_not_now, pattern=cb.on(cb.NotNow)))
    # personal data: 🗑 on the /household card
    application.add_handler(CallbackQueryHandler(household_erase.on_button, pattern=cb.on(cb.EraseButton)))
    application.add_handler(MessageHandler(filters.TEXT & filters.ChatType.PRIVATE
                                           & outcomes.ReviewLineFilter(application), outcomes.from_line))
    application.add_handler(MessageHandler(filters.TEXT & filters.ChatType.PRIVATE
                                           & outcome_chat.OutcomeQuestionFilter(application),
                                           outcome_chat.answer_question))
    application.add_handler(MessageHandler(filters.TEXT & filters.ChatType.PRIVATE & totals.QuestionFilter(application),
                                           totals.answer_question))
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    application.add_handler(log_form.build_log_conversation(
        [CommandHandler("log", log_form.begin),
         MessageHandler(log_form.menu_filter() & filters.ChatType.PRIVATE, log_form.begin),
         CallbackQueryHandler(history.start_fix, pattern=cb.on(cb.FixRecord)),
         CallbackQueryHandler(log_form.record_kept_line, pattern=cb.on(cb.KeptLineEntry))],
        MessageHandler(private_text, log_form.quick_entry)))
    application.add_handler(CallbackQueryHandler(log_form.stale_button, pattern=cb.on(cb.LogButton)))
    # people and invites: the buttons of /users and /invites
    application.add_handler(CallbackQueryHandler(users.on_button, pattern=cb.on(cb.PeopleButton)))
    application.add_handler(CallbackQueryHandler(cb.unreadable))  # last: what no handler above could read
    register_commands(application)
    application.add_error_handler(common.on_error)


def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One CommandHandler per command of the table (handlers/registry.py), after every other handler of
    the main group, so an open form's own /cancel (a fallback of its ConversationHandler) wins over the
    plain /cancel. Who may use a command is checked by the gate, not here."""
    names = {command.name for command in command_table()}
    stray = sorted(set(COMMAND_HANDLERS) - names)
    if stray:
        raise RuntimeError(f"commands with a handler but not in the command table: {stray}")
    for command in command_table():
        handler = COMMAND_HANDLERS.get(command.name)
        if handler is not None:
            application.add_handler(CommandHandler(command.name, handler))
