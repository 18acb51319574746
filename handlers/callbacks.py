"""Every inline button's callback data, in one codec: typed actions in, short ASCII strings out, and back.

Why one module: Telegram hands callback data back exactly as we sent it, but a button can outlive the
code that made it (old messages after a deploy) and anybody can forge one. So every payload is read by
the same strict `decode`, which never raises and returns None for anything it cannot read: unknown tags,
wrong arity, non-ASCII digits such as "²" (which pass `str.isdigit()`), ids outside 1 … 2³¹-1 (our
INTEGER keys), years outside 2000–2100, values not in a button's closed set, data over 64 bytes. Handlers
are registered with `on(Action, …)` patterns built from the same table, and anything no handler takes is
answered politely by `unreadable`, never by the generic error.

The wire format is "tag:field:field" and stays the one the bot has always used ("hist:void:17",
"tot:p:q0", "rp:sub:5"), so buttons already sitting in chats keep working.

Adding a button: declare a frozen dataclass with `@action("tag")`, one `Annotated[type, FIELD]` per
value it carries, build the button with `button(text, Action(...))`, and register the handler with
`CallbackQueryHandler(handler, pattern=on(Action))`; inside, `read(update, Action)` gives the typed
action back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar, get_type_hints

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop

from bot.services.periods import STANDARD_CODES

if TYPE_CHECKING:
    from handlers.context import ChungTayContext

MAX_BYTES = 64
MAX_ID = 2**31 - 1  # the primary keys are INTEGER: a larger id would overflow on PostgreSQL, not just miss
YEARS = (2000, 2100)


# ------------------------------------------------------------------ field kinds


class Field:
    """How one value is written into callback data and read back (None when it cannot be read)."""

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)


class _Number(Field):
    """A base-10 integer of ASCII digits, without sign or leading zeros, inside [low, high]."""

    _DIGITS = re.compile(r"0|[1-9][0-9]{0,18}")

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def parse(self, text: str) -> int | None:
        if not self._DIGITS.fullmatch(text):
            return None
        value = int(text)
        return value if self.low <= value <= self.high else None


class _Code(Field):
    """A catalogue-style code ("rice", "hoi_lhpn"); `prefixes` allows e.g. "field:occasion"."""

    _CODE = re.compile(r"[a-z][a-z0-9_]{0,47}")

    def __init__(self, *, prefixes: tuple[str, ...] = ()) -> None:
        self.prefixes = prefixes

    def parse(self, text: str) -> str | None:
        body = text
        for prefix in self.prefixes:
            if text.startswith(prefix):
                body = text.removeprefix(prefix)
                break
        return text if self._CODE.fullmatch(body) else None


class _Choice(Field):
    """One of a closed set of values."""

    def __init__(self, *values: str) -> None:
        self.values = frozenset(values)

    def parse(self, text: str) -> str | None:
        return text if text in self.values else None


class _Optional(Field):
    """`inner`, or `none_text` standing for None ("inv:org:none", "tot:o:*")."""

    def __init__(self, inner: Field, none_text: str) -> None:
        self.inner, self.none_text = inner, none_text

    def parse(self, text: str) -> Any:
        return _NONE if text == self.none_text else self.inner.parse(text)

    def format(self, value: Any) -> str:
        return self.none_text if value is None else self.inner.format(value)


_NONE: Any = object()  # "read as None", as opposed to "could not read"

ID = _Number(1, MAX_ID)
PAGE = _Number(0, 9999)
YEAR = _Number(*YEARS)
CODE = _Code()
STEP = _Code(prefixes=("field:",))


# ------------------------------------------------------------------ the table of actions


class Action:
    """Base of every button's action; `data` is its callback data."""

    TAG: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[tuple[str, Field], ...]] = ()

    @property
    def data(self) -> str:
        return encode(self)


_ACTIONS: dict[str, type[Action]] = {}
A = TypeVar("A", bound=Action)


def action(tag: str) -> Callable[[type[A]], type[A]]:
    """Register a dataclass as the action behind callback data starting with `tag`."""
    def register(cls: type[A]) -> type[A]:
        if tag in _ACTIONS or not tag.isascii() or tag.count(":") > 1:
            raise ValueError(f"bad or duplicate callback tag {tag!r}")
        hints = get_type_hints(cls, include_extras=True)
        kinds = []
        for item in fields(cls):  # type: ignore[arg-type]
            extra = getattr(hints[item.name], "__metadata__", ())
            if not extra or not isinstance(extra[0], Field):
                raise TypeError(f"{cls.__name__}.{item.name} needs Annotated[..., <Field>]")
            kinds.append((item.name, extra[0]))
        cls.TAG, cls.FIELDS = tag, tuple(kinds)
        _ACTIONS[tag] = cls
        return cls
    return register


def encode(item: Action) -> str:
    """The callback data of `item`; a button that would not fit is a programming error."""
    parts = [item.TAG, *(kind.format(getattr(item, name)) for name, kind in item.FIELDS)]
    data = ":".join(parts)
    if not data.isascii() or len(data) > MAX_BYTES or decode(data) != item:
        raise ValueError(f"callback data {data!r} cannot be decoded back")
    return data


def decode(data: object) -> Action | None:
    """The action behind callback data, or None for anything unreadable. Never raises."""
    if not isinstance(data, str) or not data or len(data) > MAX_BYTES or not data.isascii():
        return None
    head, _, rest = data.partition(":")
    two = f"{head}:{rest.partition(':')[0]}"
    for tag in (two, head):
        cls = _ACTIONS.get(tag)
        if cls is None:
            continue
        tail = data[len(tag) + 1:] if len(data) > len(tag) else None
        return _build(cls, tail)
    return None


def _build(cls: type[Action], tail: str | None) -> Action | None:
    if not cls.FIELDS:
        return cls() if tail is None else None
    if tail is None:
        return None
    texts = tail.split(":", len(cls.FIELDS) - 1)  # the last field may hold a colon ("field:occasion")
    if len(texts) != len(cls.FIELDS):
        return None
    values: dict[str, Any] = {}
    for (name, kind), text in zip(cls.FIELDS, texts, strict=True):
        value = kind.parse(text)
        if value is None:
            return None
        values[name] = None if value is _NONE else value
    return cls(**values)


def on(*kinds: type[Action]) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern: the data decodes to one of `kinds` (or their subclasses)."""
    return lambda data: isinstance(decode(data), kinds)


def read(update: Update, kind: type[A]) -> A:
    """The typed action of the pressed button (the handler's pattern already checked it)."""
    found = decode(update.callback_query.data if update.callback_query else None)
    if not isinstance(found, kind):
        raise LookupError(f"expected a {kind.__name__} button")
    return found


def button(text: str, item: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(item))


def markup_json(rows: list[list[tuple[str, Action]]]) -> dict[str, Any]:
    """An inline keyboard as the JSON the outbox stores (for messages sent later)."""
    return InlineKeyboardMarkup([[button(text, item) for text, item in row] for row in rows]).to_dict()


def submit_keyboard(label: str, period_id: int) -> dict[str, Any]:
    """The one button of a deadline reminder or a "reopened" notice (bot/services/reminders.py)."""
    return markup_json([[(label, SubmitPeriod(period_id))]])


# ------------------------------------------------------------------ the buttons
# Import the catalogue of actions from here; handlers never spell callback strings themselves.

@action("lang")
@dataclass(frozen=True)
class SetLanguage(Action):
    code: Annotated[str, _Choice("vi", "en")]


@action("hist:fix")
@dataclass(frozen=True)
class FixRecord(Action):
    action_id: Annotated[int, ID]


@action("hist:void")
@dataclass(frozen=True)
class AskVoid(Action):
    action_id: Annotated[int, ID]


@action("hist:voidok")
@dataclass(frozen=True)
class ConfirmVoid(Action):
    action_id: Annotated[int, ID]


@action("hist:keep")
@dataclass(frozen=True)
class KeepRecord(Action):
    pass


@action("hh:view")
@dataclass(frozen=True)
class ViewHousehold(Action):
    household_id: Annotated[int, ID]


@action("hh:import")
@dataclass(frozen=True)
class ImportHouseholds(Action):
    pass


@action("hh:noimport")
@dataclass(frozen=True)
class SkipImport(Action):
    pass


@action("dup")
@dataclass(frozen=True)
class ResolveDuplicate(Action):
    answer: Annotated[str, _Choice("same", "other")]
    action_id: Annotated[int, ID]


# /invite (a conversation: these only work while it is open)

@action("inv:cancel")
@dataclass(frozen=True)
class InviteCancel(Action):
    pass


@action("inv:role")
@dataclass(frozen=True)
class InviteRole(Action):
    role: Annotated[str, _Choice("reporter", "supervisor", "admin")]


@action("inv:unit")
@dataclass(frozen=True)
class InviteUnit(Action):
    unit_id: Annotated[int, ID]


class InviteBrowse(Action):
    """Open a unit of the tree (at a page) to choose among its children."""

    unit_id: int


@action("inv:open")
@dataclass(frozen=True)
class InviteOpenUnit(InviteBrowse):
    unit_id: Annotated[int, ID]


@action("inv:page")
@dataclass(frozen=True)
class InvitePage(InviteBrowse):
    unit_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("inv:org")
@dataclass(frozen=True)
class InviteOrganisation(Action):
    organisation_id: Annotated[int | None, _Optional(ID, "none")]


# /totals: the view lives in user_data, a button carries only the one thing it changes

class TotalsButton(Action):
    """Any button of the totals view (one handler takes them all)."""


@action("tot")
@dataclass(frozen=True)
class TotalsChooser(TotalsButton):
    what: Annotated[str, _Choice("P", "U", "O", "C")]  # period, unit, organisation, kind of support


@action("tot:x")
@dataclass(frozen=True)
class TotalsBack(TotalsButton):
    pass


@action("tot:R")
@dataclass(frozen=True)
class TotalsOtherDates(TotalsButton):
    pass


@action("tot:xlsx")
@dataclass(frozen=True)
class TotalsExcel(TotalsButton):
    pass


@action("tot:docx")
@dataclass(frozen=True)
class TotalsDraftReport(TotalsButton):
    pass


@action("tot:p")
@dataclass(frozen=True)
class TotalsPeriod(TotalsButton):
    code: Annotated[str, _Choice(*STANDARD_CODES)]


@action("tot:u")
@dataclass(frozen=True)
class TotalsUnit(TotalsButton):
    unit_id: Annotated[int, ID]


@action("tot:o")
@dataclass(frozen=True)
class TotalsOrganisation(TotalsButton):
    code: Annotated[str | None, _Optional(CODE, "*")]


@action("tot:c")
@dataclass(frozen=True)
class TotalsCategory(TotalsButton):
    code: Annotated[str | None, _Optional(CODE, "*")]


@action("tot:b")
@dataclass(frozen=True)
class TotalsBreakdown(TotalsButton):
    by: Annotated[str, _Choice("org", "unit")]


@action("drill")
@dataclass(frozen=True)
class DrillDown(Action):
    category: Annotated[str, CODE]
    page: Annotated[int, PAGE]


# reporting periods and submissions

@action("rp:preset")
@dataclass(frozen=True)
class PeriodPreset(Action):
    code: Annotated[str, _Choice("h1", "year")]
    year: Annotated[int, YEAR]


@action("rp:sub")
@dataclass(frozen=True)
class SubmitPeriod(Action):
    """Also the button of the deadline reminders and of the "reopened" notice."""

    period_id: Annotated[int, ID]


@action("rp:ok")
@dataclass(frozen=True)
class ConfirmSubmit(Action):
    period_id: Annotated[int, ID]


@action("rp:no")
@dataclass(frozen=True)
class NotNow(Action):
    pass


# the logging form (a conversation; outside it these get "this form is already closed")

class LogButton(Action):
    """Any button of the logging form."""


@action("log:cancel")
@dataclass(frozen=True)
class LogCancel(LogButton):
    pass


@action("log:cat")
@dataclass(frozen=True)
class LogCategory(LogButton):
    code: Annotated[str, CODE]


@action("log:again")
@dataclass(frozen=True)
class LogRepeat(LogButton):
    action_id: Annotated[int, ID]


@action("log:set")
@dataclass(frozen=True)
class LogSet(LogButton):
    value: Annotated[str, CODE]  # a catalogue code, or "today" / "yesterday"


@action("log:skip")
@dataclass(frozen=True)
class LogSkip(LogButton):
    pass


@action("log:keep")
@dataclass(frozen=True)
class LogKeep(LogButton):
    pass


@action("log:hh")
@dataclass(frozen=True)
class LogHousehold(LogButton):
    household_id: Annotated[int, ID]


@action("log:hhtyped")
@dataclass(frozen=True)
class LogTypedHousehold(LogButton):
    pass


@action("log:save")
@dataclass(frozen=True)
class LogSave(LogButton):
    pass


@action("log:edit")
@dataclass(frozen=True)
class LogEdit(LogButton):
    pass


@action("log:editf")
@dataclass(frozen=True)
class LogEditField(LogButton):
    step: Annotated[str, STEP]  # a measure code, "field:<code>" or one of the common steps


@action("log:back")
@dataclass(frozen=True)
class LogBack(LogButton):
    pass


# ------------------------------------------------------------------ answers for what cannot be done

async def unreadable(update: Update, context: ChungTayContext) -> None:
    """Registered last: a button no handler took (forged, from an older version of the bot, or of a
    form that has ended). A short answer stops the phone's spinner; nothing else happens."""
    if update.callback_query is not None:
        await update.callback_query.answer(
            context.t("This button no longer works. Please start again with the menu or a command."))


def nothing(data: object) -> bool:
    """The pattern of `refuse_empty`: PTB passes a tap *without* data to every patterned handler, and
    only a pattern that matches no data at all leaves exactly those taps to it."""
    return False


async def refuse_empty(update: Update, context: ChungTayContext) -> None:
    """A tap with empty data (Telegram never sends one, a forged update may): answer and stop."""
    await unreadable(update, context)
    raise ApplicationHandlerStop


async def gone(update: Update, context: ChungTayContext) -> None:
    """A readable button whose record is gone or is not the user's to use."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("This button is out of date; nothing was changed."),
                                           show_alert=True)
