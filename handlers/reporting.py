"""/period, /submit, /reopen, /status and /target: the reporting cycle in chat.

Each reply is a screen from bot/domain/periods/screens.py (periods, submitting, reopening) or
status_screen.py (/status, /target); rules live in bot/domain/periods/submissions.py; reminders and the
outbox in bot/domain/periods/reminders.py, bot/domain/outbox/queue.py and bot/outbox_sender.py. The
buttons' actions are in bot/presentation/callbacks/ (PeriodPreset, SubmitPeriod — also the reminder's
button —, ConfirmSubmit, NotNow).
"""

from __future__ import annotations

from telegram import Update

from bot.domain.periods import screens
from bot.domain.periods.status_screen import STATUS_LIST, status_screen, target_screen
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.screen import Screen
from bot.i18n import N_
from bot.presentation.callbacks import ConfirmSubmit, PeriodPreset, SubmitPeriod, gone, read
from bot.presentation.hooks import wake_outbox
from bot.presentation.render import render, reply
from db.models import User
from handlers import unit_list
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.duplicates import send_suspects
from handlers.record_questions import send_open_questions


def _names(context: ChungTayContext) -> Localised:
    return Localised(context.runtime.catalogue, context.t)


def _guarded(context: ChungTayContext) -> User:
    """The supervisor behind a supervisors' command: the gate refused everyone else (handlers/registry.py)."""
    user = context.db_user
    assert user is not None, "the gate lets only supervisors use this command"
    return user


async def _reply(update: Update, screen: Screen) -> None:
    message = update.effective_message
    if message is not None:
        await reply(message, screen)


def _args(context: ChungTayContext) -> str:
    return " ".join(context.args or []).strip()


# ----------------------------------------------------------------------------- /period


async def define_period(update: Update, context: ChungTayContext) -> None:
    """/period: the unit's periods and preset buttons; /period name; start; end; due[; days] for a custom one."""
    user, typed = _guarded(context), _args(context)
    if typed:
        await _reply(update, screens.typed_period_screen(context.session, context.t, viewer=user, typed=typed,
                                                         now=context.runtime.clock()))
        return
    await _reply(update, screens.periods_screen(context.session, context.t, viewer=user, today=context.today))


async def on_preset(update: Update, context: ChungTayContext) -> None:
    pressed, user = read(update, PeriodPreset), context.db_user
    screen = screens.preset_period_screen(context.session, context.t, viewer=user, code=pressed.code,
                                          year=pressed.year, now=context.runtime.clock()) \
        if user is not None and may(user, Do.SUPERVISE) else None
    if screen is None:
        await gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _reply(update, screen)


# ----------------------------------------------------------------------------- /submit


async def submit(update: Update, context: ChungTayContext) -> None:
    """/submit: pick the open period (or go straight to it when there is one), then preview and confirm."""
    user = context.db_user
    if user is None:
        return
    await _reply(update, screens.submit_screen(context.session, _names(context), viewer=user,
                                               tz=context.runtime.settings.tz))


async def on_submit_button(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    screen = (screens.pressed_preview_screen(context.session, _names(context), viewer=user,
                                             period_id=read(update, SubmitPeriod).period_id,
                                             tz=context.runtime.settings.tz) if user is not None else None)
    if screen is None:
        await gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _reply(update, screen)


async def on_confirm(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    screen = (screens.pressed_submit_screen(context.session, context.t, viewer=user,
                                            period_id=read(update, ConfirmSubmit).period_id,
                                            now=context.runtime.clock(), tz=context.runtime.settings.tz)
              if user is not None else None)
    if screen is None:
        await gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _reply(update, screen)


async def on_not_now(update: Update, context: ChungTayContext) -> None:
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _reply(update, screens.not_now_screen(context.t))


# ----------------------------------------------------------------------------- /reopen


async def reopen(update: Update, context: ChungTayContext) -> None:
    """/reopen <unit> <reason>: reopen a unit's submission of your newest period in which it submitted."""
    screen = screens.reopen_screen(context.session, context.t, viewer=_guarded(context), typed=_args(context),
                                   now=context.runtime.clock())
    wake_outbox(context.application)  # the officers' notices, when it was reopened
    await _reply(update, screen)


# ----------------------------------------------------------------------------- /status and /target


async def _show_status_list(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The status with the page and search of its list of units (handlers/unit_list.py)."""
    user = context.db_user
    listed = unit_list.state(context, STATUS_LIST)
    screen = status_screen(context.session, _names(context), viewer=user, page=unit_list.page_number(listed),
                           query=unit_list.query_of(listed)) if user is not None else None
    if screen is None:
        return
    if screen.units is not None:
        listed["page"] = screen.units.page
    await answer_in_place(update, context, *render(screen), fresh=fresh)


unit_list.register(STATUS_LIST, roles=unit_list.MANAGERS, show=_show_status_list,
                   refusal=N_("Reporting status is for supervising units. Use /submit to submit your figures."))


async def show_status(update: Update, context: ChungTayContext) -> None:
    """/status: for supervisors, the newest periods of their unit; then the double counts to resolve and the
    records sent back with a question."""
    user = _guarded(context)
    unit_list.reset(context, STATUS_LIST)
    await _reply(update, status_screen(context.session, _names(context), viewer=user))
    await send_suspects(update, context, quiet_when_none=True)
    await send_open_questions(update, context)


async def set_target(update: Update, context: ChungTayContext) -> None:
    """/target <unit> <category> <number>, or the poverty outcome's target (/target GL-KP 2026 giảm 3%)."""
    await _reply(update, target_screen(context.session, _names(context), viewer=_guarded(context),
                                       typed=_args(context), now=context.runtime.clock(), today=context.today))
