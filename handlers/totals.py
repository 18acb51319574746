"""/totals (and the 📊 button), plain questions, /export and /report.

The view being looked at (unit, period, organisation, category, breakdown) is a `TotalsView`
(bot/domain/totals/view.py) kept in user_data, so the inline buttons only carry the one thing they
change (a period preset, a unit id: see bot/presentation/callbacks/) and stay well under Telegram's 64 bytes.
Each screen comes from one service call (the totals from `bot.domain.totals.screen`, the choices of
period, organisation, kind and unit from `bot.domain.totals.choosers`), files from
`bot.domain.reports.exports`; this module only talks to Telegram.

"📅 Other dates" in the period choice opens a one-step conversation (handlers/totals_range.py):
the bot waits for a typed range, read by `bot.domain.totals.questions.parse_range`. Only the period
changes, so the unit, organisation and kind chosen before are kept, also while a typo is corrected.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    filters,
)

from bot.domain.people.access import AccessDenied
from bot.domain.periods.calendar import Period
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.export_files import build_scope_file
from bot.domain.reports.sentences import scope_unit
from bot.domain.screen import screen_of
from bot.domain.totals.asked import file_view, question_view
from bot.domain.totals.choosers import (
    PICK_UNIT,
    ListPosition,
    chooser_screen,
    question_screen,
    unit_picker_screen,
)
from bot.domain.totals.files import scope_file
from bot.domain.totals.questions import (
    AMBIGUOUS,
    ENTRY,
    line_kind,
)
from bot.domain.totals.screen import BY_UNIT, totals_screen, view_period, view_unit
from bot.domain.totals.view import TotalsView
from bot.i18n import N_
from bot.presentation.callbacks import (
    TotalsBreakdown,
    TotalsCategory,
    TotalsChooser,
    TotalsDraftReport,
    TotalsExcel,
    TotalsOrganisation,
    TotalsPeriod,
    TotalsUnit,
    decode,
)
from bot.presentation.callbacks import gone as cb_gone
from bot.presentation.render import render, reply
from db.models import Unit
from handlers import kept_line, unit_list
from handlers.background import send_file_later
from handlers.common import answer_in_place
from handlers.context import ChungTayContext

MENU_EMOJI = "📊"
MAX_RANGE_TEXT = 200
WAIT_RANGE = "range"
VIEW_KEY = "totals"
OWN_UNIT_ONLY = N_("You can see the figures of your own unit only.")


def _names(context: ChungTayContext) -> Localised:
    return Localised(context.runtime.catalogue, context.t)


def _view(context: ChungTayContext) -> TotalsView:
    return TotalsView.from_data(context.user_data.get(VIEW_KEY))  # type: ignore[union-attr]


def _store(context: ChungTayContext, view: TotalsView) -> None:
    context.user_data[VIEW_KEY] = view.to_data()  # type: ignore[index]


def _unit(context: ChungTayContext, view: TotalsView) -> Unit:
    user = context.db_user
    assert user is not None
    return view_unit(context.session, user=user, view=view)


def current_scope(context: ChungTayContext) -> tuple[Unit, Period, str | None]:
    """The unit, period and organisation filter of the totals on screen (for the drill-down)."""
    view = _view(context)
    return _unit(context, view), view_period(view, today=context.today), view.org


def choose_unit(context: ChungTayContext, unit_id: int) -> bool:
    """Look at another unit (a unit of the drill-down's list); False when the user may not see it."""
    user = context.db_user
    try:
        scope_unit(context.session, user=user, unit_id=unit_id)  # type: ignore[arg-type]
    except AccessDenied:
        return False
    view = _view(context)
    view.unit = unit_id
    _store(context, view)
    unit_list.reset(context, BY_UNIT)
    return True


async def _show(update: Update, context: ChungTayContext, *, fresh: bool = False) -> None:
    """The current view (one service call; the view may drop a unit the user no longer sees, so it is
    stored again). "By unit" is a list of units whose page and search are kept by handlers/unit_list.py."""
    user = context.db_user
    assert user is not None
    view = _view(context)
    listed = unit_list.state(context, BY_UNIT)
    screen = totals_screen(context.session, names=_names(context), user=user, view=view, today=context.today,
                           units_page=unit_list.page_number(listed), units_query=unit_list.query_of(listed))
    _store(context, view)
    if screen.units is not None:
        listed["page"] = screen.units.page
    await answer_in_place(update, context, *render(screen), fresh=fresh)


async def show_totals(update: Update, context: ChungTayContext) -> None:
    """/totals [question] or the 📊 button: this month for the user's own unit, with buttons to change it."""
    if context.db_user is None:
        return
    args = " ".join(context.args or [])
    if args:
        await _answer_question(update, context, args)
        return
    _store(context, TotalsView())
    unit_list.reset(context, BY_UNIT)
    await _show(update, context, fresh=True)


# ------------------------------------------------------------------ choosers

async def show_unit_picker(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """📍: the units to choose from (bot/domain/totals/choosers.py), its place in the list kept here."""
    user = context.db_user
    assert user is not None
    listed = unit_list.state(context, PICK_UNIT)
    root = listed.get("root")
    position = ListPosition(root=root if isinstance(root, int) else None, page=unit_list.page_number(listed),
                            query=unit_list.query_of(listed))
    screen = unit_picker_screen(context.session, context.t, viewer=user, view=_view(context), position=position)
    listed.update(root=position.root, page=position.page, q=position.query)
    await answer_in_place(update, context, *render(screen), fresh=fresh)


async def _show_by_unit(update: Update, context: ChungTayContext, fresh: bool) -> None:
    await _show(update, context, fresh=fresh)


unit_list.register(BY_UNIT, roles=unit_list.MEMBERS, refusal=OWN_UNIT_ONLY, show=_show_by_unit)
unit_list.register(PICK_UNIT, roles=unit_list.MANAGERS, refusal=OWN_UNIT_ONLY, show=show_unit_picker)


async def on_button(update: Update, context: ChungTayContext) -> None:
    """Every totals button: open a chooser, or change one part of the view and show it again."""
    query = update.callback_query
    if query is None or context.db_user is None:
        return
    pressed = decode(query.data)
    view = _view(context)
    t = context.t
    catalogue = context.runtime.catalogue
    if isinstance(pressed, TotalsExcel | TotalsDraftReport):
        await query.answer()
        await _send_file(update, context, kind="xlsx" if isinstance(pressed, TotalsExcel) else "docx")
        return
    if isinstance(pressed, TotalsChooser):
        if pressed.what == "U" and not may(context.db_user, Do.SUPERVISE):
            await query.answer(t("You can see the figures of your own unit only."), show_alert=True)
            return
        await query.answer()
        if pressed.what == "U":
            unit_list.reset(context, PICK_UNIT)
            await show_unit_picker(update, context, False)
            return
        await answer_in_place(update, context, *render(chooser_screen(
            context.session, _names(context), viewer=context.db_user, view=view, what=pressed.what,
            today=context.today)))
        return
    if isinstance(pressed, TotalsPeriod):
        view.period = pressed.code
    elif isinstance(pressed, TotalsUnit):
        try:
            scope_unit(context.session, user=context.db_user, unit_id=pressed.unit_id)
        except AccessDenied:
            await query.answer(t("You can see the figures of your own unit and the units under it only."),
                               show_alert=True)
            return
        view.unit = pressed.unit_id
        unit_list.reset(context, BY_UNIT)
    elif isinstance(pressed, TotalsOrganisation | TotalsCategory):
        known = pressed.code is None or (
            any(o.code == pressed.code for o in catalogue.organisation) if isinstance(pressed, TotalsOrganisation)
            else catalogue.category_by_code(pressed.code) is not None)
        if not known:
            await query.answer(t("This button is out of date; nothing was changed."), show_alert=True)
            return
        if isinstance(pressed, TotalsOrganisation):
            view.org = pressed.code
        else:
            view.cat = pressed.code
    elif isinstance(pressed, TotalsBreakdown):
        view.by = None if view.by == pressed.by else pressed.by
        unit_list.reset(context, BY_UNIT)
    await query.answer()
    _store(context, view)
    if view.ask:
        await _ask_next(update, context, view)
        return
    await _show(update, context)


# ------------------------------------------------------------------ plain questions

class QuestionFilter(filters.MessageFilter):
    """Private text that reads as a question about totals, while no logging form is open.

    Registered before the logging conversation, so "tổng gạo quý này" is answered instead of being
    read as a quick entry; answers to an open form's questions are left to the form.
    """

    def __init__(self, application: Any) -> None:
        super().__init__(name="QuestionFilter")
        self._application = application

    def filter(self, message: Message) -> bool:
        if not message.text or message.text.startswith("/") or message.from_user is None:
            return False
        user_data = self._application.user_data.get(message.from_user.id) or {}
        if user_data.get("log"):
            return False
        runtime = self._application.runtime
        return line_kind(message.text[:300], catalogue=runtime.catalogue, today=runtime.today()) != ENTRY


async def answer_question(update: Update, context: ChungTayContext) -> None:
    message = update.effective_message
    if message is None or message.text is None or context.db_user is None:
        return
    if line_kind(message.text[:300], catalogue=context.runtime.catalogue, today=context.today) == AMBIGUOUS:
        await kept_line.ask(update, context, message.text)
        return
    await _answer_question(update, context, message.text[:300])


async def answer_kept_line(update: Update, context: ChungTayContext) -> None:
    """📊 under a line that could be an entry or a question: answered as a question."""
    line = kept_line.take(context)
    if line is None or context.db_user is None:
        await cb_gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _answer_question(update, context, line["text"][:300])


async def _answer_question(update: Update, context: ChungTayContext, text: str) -> None:
    user = context.db_user
    message = update.effective_message
    assert user is not None and message is not None
    asked = question_view(context.session, context.runtime.catalogue, viewer=user, typed=text, today=context.today)
    if asked.own_unit_only:
        await reply(message, screen_of(context.t(OWN_UNIT_ONLY)))
    view = asked.view
    _store(context, view)
    if view.ask:
        await _ask_next(update, context, view)
        return
    await _show(update, context, fresh=True)


async def _ask_next(update: Update, context: ChungTayContext, view: TotalsView) -> None:
    """An ambiguous question: ask what is missing with buttons, one thing at a time (in place of the
    pressed chooser, else as a new message)."""
    user = context.db_user
    assert user is not None
    step = view.ask.pop(0)
    _store(context, view)
    screen = question_screen(context.session, _names(context), viewer=user, view=view, step=step,
                             today=context.today)
    await answer_in_place(update, context, *render(screen))


# ------------------------------------------------------------------ files

async def export(update: Update, context: ChungTayContext) -> None:
    """/export [period words]: the XLSX of the current view (own unit and this month by default)."""
    await _file_command(update, context, kind="xlsx")


async def report(update: Update, context: ChungTayContext) -> None:
    """/report [period words]: a DOCX draft of the report's results section."""
    await _file_command(update, context, kind="docx")


async def _file_command(update: Update, context: ChungTayContext, *, kind: str) -> None:
    user = context.db_user
    if user is None:
        return
    _store(context, file_view(context.session, context.runtime.catalogue, viewer=user,
                              typed=" ".join(context.args or []), today=context.today))
    await _send_file(update, context, kind=kind)


async def _send_file(update: Update, context: ChungTayContext, *, kind: str) -> None:
    user, chat = context.db_user, update.effective_chat
    if user is None or chat is None:
        return
    view = _view(context)
    wanted = scope_file(context.session, context.t, viewer=user, view=view, kind=kind, today=context.today)
    runtime, view_org, view_cat = context.runtime, view.org, view.cat
    build = partial(build_scope_file, kind=kind, names=_names(context), unit_id=wanted.unit_id,
                    viewer_telegram_id=user.telegram_id, period=wanted.period, organisation_code=view_org,
                    category_code=view_cat, tz=runtime.settings.tz, now=runtime.clock(), today=context.today)
    send_file_later(context, chat_id=chat.id, build=build, filename=wanted.filename, caption=wanted.caption)
