"""The one renderer of what services return: texts (bot/domain/spans.py) → Telegram HTML, escaped here
and nowhere else; screens (bot/domain/screen.py): body → message text, buttons → an inline keyboard
whose callback data comes from the codec (bot/presentation/callbacks/).

`VERBS` maps each verb a service may use onto the codec's typed action; a press whose verb is not here
is a programming error and fails at once (tests draw every screen).

Messages sent later are stored as screens (bot/domain/outbox/stored.py) and drawn here when they are sent
(`render_stored`); a channel without buttons takes the same screen's buttons as labelled choices
(`choices`).
"""

from __future__ import annotations

import html as html_lib
import io
from collections.abc import Callable
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    MenuButtonWebApp,
    Message,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from bot.domain.outbox.stored import StoredScreen, screen_from_json
from bot.domain.screen import LINK, WEB_APP, Button, Screen
from bot.domain.spans import Line, Span, Text
from bot.presentation import callbacks as cb

VERBS: dict[str, Callable[..., cb.Action]] = {
    "totals.choose": cb.TotalsChooser,
    "totals.by": cb.TotalsBreakdown,
    "totals.excel": cb.TotalsExcel,
    "totals.report": cb.TotalsDraftReport,
    "totals.back": cb.TotalsBack,
    "drill": cb.DrillDown,
    "duplicate": cb.ResolveDuplicate,
    # records: /history, /undo, the drill-down
    "record.fix": cb.FixRecord,
    "record.void": cb.AskVoid,
    "record.void.yes": cb.ConfirmVoid,
    "record.keep": cb.KeepRecord,
    "record.ask": cb.AskAboutRecord,
    "drill.unit": cb.DrillUnit,
    "question.cancel": cb.CancelQuestion,
    # totals: the choices of period, unit, organisation and kind, the typed dates
    "totals.period": cb.TotalsPeriod,
    "totals.dates": cb.TotalsOtherDates,
    "totals.unit": cb.TotalsUnit,
    "totals.organisation": cb.TotalsOrganisation,
    "totals.category": cb.TotalsCategory,
    # reporting: /period, /submit
    "period.preset": cb.PeriodPreset,
    "submit.confirm": cb.ConfirmSubmit,
    "submit.not_now": cb.NotNow,
    # the poverty review (/review)
    "review.save": cb.ReviewSave,
    "review.skip": cb.ReviewSkip,
    "review.cancel": cb.ReviewCancel,
    # lists of units: ◀ ▶ 🔎 ✖
    "units.page": cb.UnitListPage,
    "units.find": cb.UnitListFind,
    "units.all": cb.UnitListAll,
    # households
    "household.view": cb.ViewHousehold,
    "household.erase": cb.EraseAsk,
    "household.erase.yes": cb.EraseConfirm,
    "household.erase.no": cb.EraseCancel,
    "household.import": cb.ImportHouseholds,
    "household.import.no": cb.SkipImport,
    "unreached.unit": cb.UnreachedUnit,
    # people: /users, /invites, /invite
    "people.list": cb.PeopleList,
    "people.revoke": cb.PeopleRevokeInvite,
    "people.person": cb.PeoplePerson,
    "people.deactivate": cb.PeopleAskDeactivate,
    "people.deactivate.yes": cb.PeopleDeactivate,
    "people.reactivate": cb.PeopleReactivate,
    "people.roles": cb.PeopleRoleMenu,
    "people.role": cb.PeopleSetRole,
    "people.units": cb.PeopleUnitMenu,
    "people.unit": cb.PeopleSetUnit,
    "invite.cancel": cb.InviteCancel,
    "invite.role": cb.InviteRole,
    "invite.unit": cb.InviteUnit,
    "invite.open": cb.InviteOpenUnit,
    "invite.page": cb.InvitePage,
    "invite.organisation": cb.InviteOrganisation,
    # settings: /language, /kenh; a typed line kept for 📝 or 📊
    "language": cb.SetLanguage,
    "route": cb.SetRoute,
    "kept.entry": cb.KeptLineEntry,
    "kept.totals": cb.KeptLineTotals,
    # the /log form (bot/domain/records/form_screens.py, form_card.py)
    "log.back": cb.LogBack,
    "log.cancel": cb.LogCancel,
    "log.category": cb.LogCategory,
    "log.edit": cb.LogEdit,
    "log.edit_field": cb.LogEditField,
    "log.household": cb.LogHousehold,
    "log.keep": cb.LogKeep,
    "log.keep_open": cb.LogKeepOpen,
    "log.pick_total": cb.LogPickTotal,
    "log.repeat": cb.LogRepeat,
    "log.replace": cb.LogReplace,
    "log.save": cb.LogSave,
    "log.set": cb.LogSet,
    "log.skip": cb.LogSkip,
    "log.typed_household": cb.LogTypedHousehold,
    # periods: the 📤 of a reminder, a 🔔 or a "reopened" notice
    "submit": cb.SubmitPeriod,
    # records: the author's answers under a ❓ question
    "question.fix": cb.FixRecord,
    "question.confirm": cb.ConfirmFigures,
    "question.reply": cb.ReplyToQuestion,
}


TAGS = {"plain": ("", ""), "bold": ("<b>", "</b>"), "italic": ("<i>", "</i>"), "underline": ("<u>", "</u>"),
        "code": ("<code>", "</code>")}


def span_html(span: Span) -> str:
    start, end = TAGS[span.style]
    return f"{start}{html_lib.escape(span.text)}{end}"


def line_html(row: Line) -> str:
    return "".join(span_html(span) for span in row)


def to_html(text: Text, *, limit: int | None = None, overflow: Text | None = None) -> str:
    """The text as Telegram HTML. Past `limit` characters the last whole line that fits ends it, followed
    by `overflow` (e.g. "… the rest is in the Excel file.")."""
    rendered = "\n".join(line_html(row) for row in text.lines)
    if limit is not None and len(rendered) > limit:
        rendered = rendered[:limit].rsplit("\n", 1)[0] + ("\n" + to_html(overflow) if overflow else "")
    return rendered


def action_of(item: Button) -> cb.Action:
    return VERBS[item.press.verb](*item.press.values)


def inline_button(item: Button) -> InlineKeyboardButton:
    """A button: a codec action, or a link (`LINK`) or a Mini App (`WEB_APP`) that opens a page."""
    if item.press.verb == LINK:
        return InlineKeyboardButton(item.label, url=str(item.press.values[0]))
    if item.press.verb == WEB_APP:
        return InlineKeyboardButton(item.label, web_app=WebAppInfo(str(item.press.values[0])))
    return cb.button(item.label, action_of(item))


def keyboard(screen: Screen) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """The inline buttons of a screen; a screen without any but with a `menu` gets the buttons under the
    text box instead (a message carries one or the other)."""
    if screen.rows:
        return InlineKeyboardMarkup([[inline_button(item) for item in row] for row in screen.rows])
    if screen.menu:
        return ReplyKeyboardMarkup([[KeyboardButton(label) for label in screen.menu]], resize_keyboard=True,
                                   is_persistent=True)
    return None


def render(screen: Screen) -> tuple[str, Any]:
    """(text, reply markup or None) of a screen, for `answer_in_place` or `reply_text`."""
    return to_html(screen.body, limit=screen.limit, overflow=screen.overflow), keyboard(screen)


# ------------------------------------------------------------------ sending what is drawn here
# The text drawn here is HTML, and HTML is the parse mode the wiring sets once for every call
# (`Defaults(parse_mode=HTML)`, bot/app.py): no call here names it. The flip side: any text handed to
# Telegram without being drawn here is parsed as HTML too, so a "<" or "&" in a name would break the send;
# every reply, plain sentences included, goes through these helpers (`screen_of(text)` for a sentence).


async def reply(message: Message, screen: Screen, *, link_preview: bool = True) -> Message:
    """The screen as a reply to `message` (`link_preview=False`: a link in it shows no preview card)."""
    text, markup = render(screen)
    preview = None if link_preview else LinkPreviewOptions(is_disabled=True)
    return await message.reply_text(text, reply_markup=markup, link_preview_options=preview)


async def edit(query: CallbackQuery, screen: Screen) -> Message | bool:
    """The screen in place of the message whose button was pressed (Telegram answers with the message, or
    True for a message sent via inline mode)."""
    text, markup = render(screen)
    return await query.edit_message_text(text, reply_markup=markup)


async def edit_html(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Already drawn HTML in place of the pressed message (for callers not yet on screens)."""
    await query.edit_message_text(text, reply_markup=markup)


async def send(bot: Bot, chat_id: int, screen: Screen) -> Message:
    """The screen as a new message (not a reply: an error's apology, a result of background work)."""
    text, markup = render(screen)
    return await bot.send_message(chat_id, text, reply_markup=markup)


async def send_html(bot: Bot, chat_id: int, text: str, markup: Any = None) -> Message:
    """Already drawn HTML as a new message (for callers not yet on screens)."""
    return await bot.send_message(chat_id, text, reply_markup=markup)


async def send_file(bot: Bot, chat_id: int, content: bytes, *, filename: str, caption: Screen | None = None,
                    ) -> Message:
    """A file built for the chat, with the screen as its caption."""
    drawn = render(caption) if caption is not None else (None, None)
    return await bot.send_document(chat_id, InputFile(io.BytesIO(content), filename=filename), caption=drawn[0],
                                   reply_markup=drawn[1])


async def edit_message(bot: Bot, screen: Screen, *, chat_id: int, message_id: int) -> None:
    """The screen in place of a message the bot sent before (a status message followed from a job)."""
    text, markup = render(screen)
    await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)


def web_app_menu_button(label: str, url: str) -> MenuButtonWebApp:
    """The chat's menu button (left of the text box) opening the Mini App at `url`."""
    return MenuButtonWebApp(label, WebAppInfo(url))


def render_stored(stored: StoredScreen) -> tuple[str, Any]:
    """(text, reply markup or None) of a screen stored in the outbox, at the moment it is sent."""
    return render(screen_from_json(stored))


def choices(screen: Screen) -> list[tuple[str, str]]:
    """The screen's buttons in order as (label, callback data): what a channel without buttons numbers."""
    return [(item.label, cb.encode(action_of(item))) for row in screen.rows for item in row
            if item.press.verb in VERBS]
