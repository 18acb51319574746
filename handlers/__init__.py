"""The one place that registers every Telegram handler (handlers hold no SQL; see bot/domain/services)."""

from __future__ import annotations

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

GATE_GROUP = -2
WAIT_GROUP = -1
"""Steps that wait for one typed line (the dates after "📅 Other dates" under /totals, the question after
❓ and the reply after ✍️ of a record sent back). They run after
the gate and before the main group, so the line they wait for wins over questions, quick entry and
an open logging form, while anything else ends the wait and still reaches the main group."""


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from bot.presentation import callbacks as cb  # every button's callback data: one codec, patterns from it
    from handlers import (
        channel_link,
        common,
        drilldown,
        duplicates,
        gate,
        history,
        households,
        invite,
        log_form,
        onboarding,
    )

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
    from handlers import household_import  # the review list: read and written in the background
    application.add_handler(CallbackQueryHandler(household_import.confirm_import,
                                                 pattern=cb.on(cb.ImportHouseholds, cb.SkipImport)))
    application.add_handler(CallbackQueryHandler(duplicates.answer, pattern=cb.on(cb.ResolveDuplicate)))
    from handlers import outcome_chat, outcomes  # the poverty review: its sheet before the household list's
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE
                                           & outcome_chat.ReviewSheetFilter(), outcome_chat.receive_sheet))
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE,
                                           household_import.receive_list))
    application.add_handler(CallbackQueryHandler(outcomes.save, pattern=cb.on(cb.ReviewSave)))
    application.add_handler(CallbackQueryHandler(outcomes.stale_cancel, pattern=cb.on(cb.ReviewCancel, cb.ReviewSkip)))
    from handlers import totals  # totals: 📊, plain questions (before quick entry)
    application.add_handler(MessageHandler(filters.Regex(f"^{totals.MENU_EMOJI}") & filters.ChatType.PRIVATE,
                                           totals.show_totals))
    application.add_handler(CallbackQueryHandler(totals.on_button, pattern=cb.on(cb.TotalsButton)))
    application.add_handler(CallbackQueryHandler(totals.answer_kept_line, pattern=cb.on(cb.KeptLineTotals)))
    menu_buttons = filters.Regex(f"^({log_form.MENU_LOG_EMOJI}|{history.MENU_EMOJI}|{totals.MENU_EMOJI})")
    from handlers import record_questions  # ❓ Hỏi lại: the waits for a typed question or reply, then the buttons
    application.add_handler(record_questions.build_question_conversation(leave_on=menu_buttons), group=WAIT_GROUP)
    from handlers import totals_range, unit_list  # the typed range; the typed search of a list of units
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
    from handlers import unreached  # /unreached: a unit of its list of units
    application.add_handler(CallbackQueryHandler(unreached.show_unit, pattern=cb.on(cb.UnreachedUnit)))
    from handlers import reporting  # reporting cycle: the buttons of periods and submissions
    application.add_handler(CallbackQueryHandler(reporting.on_preset, pattern=cb.on(cb.PeriodPreset)))
    application.add_handler(CallbackQueryHandler(reporting.on_submit_button, pattern=cb.on(cb.SubmitPeriod)))
    application.add_handler(CallbackQueryHandler(reporting.on_confirm, pattern=cb.on(cb.ConfirmSubmit)))
    application.add_handler(CallbackQueryHandler(reporting.on_not_now, pattern=cb.on(cb.NotNow)))
    from handlers import household_erase  # personal data: 🗑 on the /household card
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
    from handlers import users  # people and invites: the buttons of /users and /invites
    application.add_handler(CallbackQueryHandler(users.on_button, pattern=cb.on(cb.PeopleButton)))
    application.add_handler(CallbackQueryHandler(cb.unreadable))  # last: what no handler above could read
    register_commands(application)
    application.add_error_handler(common.on_error)


def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One CommandHandler per command of the table (handlers/registry.py), after every other handler of
    the main group, so an open form's own /cancel (a fallback of its ConversationHandler) wins over the
    plain /cancel. Who may use a command is checked by the gate, not here."""
    from handlers.registry import command_table

    for command in command_table():
        if command.handler is not None:
            application.add_handler(CommandHandler(command.name, command.handler))
