"""The codec behind handlers/callbacks: field kinds, the `Action` base and its registry, encode / decode
(strict, never raising), handler patterns, and the answers for taps nobody can serve."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from typing import Any, ClassVar, Protocol, TypeVar, get_type_hints

from telegram import InlineKeyboardButton, Update
from telegram.ext import ApplicationHandlerStop

from bot.domain.periods.calendar import YEARS
from bot.domain.permissions import ADMINS, MEMBERS, SUPERVISORS, Audience
from bot.i18n import Translator


class Translating(Protocol):
    """What the answers below need of a handler's context (handlers/context.py, a layer above): its
    translator."""

    @property
    def t(self) -> Translator: ...

MAX_BYTES = 64
MAX_ID = 2**31 - 1  # the primary keys are INTEGER: a larger id would overflow on PostgreSQL, not just miss


# ------------------------------------------------------------------ field kinds


class Field:
    """How one value is written into callback data and read back (None when it cannot be read)."""

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)


class Number(Field):
    """A base-10 integer of ASCII digits, without sign or leading zeros, inside [low, high]."""

    _DIGITS = re.compile(r"0|[1-9][0-9]{0,18}")

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def parse(self, text: str) -> int | None:
        if not self._DIGITS.fullmatch(text):
            return None
        value = int(text)
        return value if self.low <= value <= self.high else None


class Code(Field):
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


class Choice(Field):
    """One of a closed set of values."""

    def __init__(self, *values: str) -> None:
        self.values = frozenset(values)

    def parse(self, text: str) -> str | None:
        return text if text in self.values else None


class OrNone(Field):
    """`inner`, or `none_text` standing for None ("inv:org:none", "tot:o:*")."""

    def __init__(self, inner: Field, none_text: str) -> None:
        self.inner, self.none_text = inner, none_text

    def parse(self, text: str) -> Any:
        return _NONE if text == self.none_text else self.inner.parse(text)

    def format(self, value: Any) -> str:
        return self.none_text if value is None else self.inner.format(value)


_NONE: Any = object()  # "read as None", as opposed to "could not read"

ID = Number(1, MAX_ID)
PAGE = Number(0, 9999)
YEAR = Number(*YEARS)
CODE = Code()
STEP = Code(prefixes=("field:",))


# ------------------------------------------------------------------ actions and their registry


class Action:
    """Base of every button's action; `data` is its callback data; `AUDIENCE` who may press it (the gate
    refuses anyone else before a handler runs, see handlers/gate.py)."""

    TAG: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[tuple[str, Field], ...]] = ()
    AUDIENCE: ClassVar[Audience] = frozenset()

    @property
    def data(self) -> str:
        return encode(self)


_ACTIONS: dict[str, type[Action]] = {}
A = TypeVar("A", bound=Action)


BUTTON_AUDIENCES: tuple[Audience, ...] = (MEMBERS, SUPERVISORS, ADMINS)
"""The audiences a button may declare (strangers press nothing: the gate answers them first)."""


def action(tag: str, *, audience: Audience) -> Callable[[type[A]], type[A]]:
    """Register a dataclass as the action behind callback data starting with `tag`, pressed by `audience`
    (MEMBERS, SUPERVISORS or ADMINS of bot/domain/permissions.py: required, so no button goes unchecked)."""
    def register(cls: type[A]) -> type[A]:
        if tag in _ACTIONS or not tag.isascii() or tag.count(":") > 1:
            raise ValueError(f"bad or duplicate callback tag {tag!r}")
        if audience not in BUTTON_AUDIENCES:
            raise ValueError(f"callback tag {tag!r} declares no known audience")
        hints = get_type_hints(cls, include_extras=True)
        kinds = []
        for item in fields(cls):  # type: ignore[arg-type]
            extra = getattr(hints[item.name], "__metadata__", ())
            if not extra or not isinstance(extra[0], Field):
                raise TypeError(f"{cls.__name__}.{item.name} needs Annotated[..., <Field>]")
            kinds.append((item.name, extra[0]))
        cls.TAG, cls.FIELDS, cls.AUDIENCE = tag, tuple(kinds), audience
        _ACTIONS[tag] = cls
        return cls
    return register


def registered() -> list[type[Action]]:
    """Every action with a tag (for tests that walk the whole table)."""
    return list(_ACTIONS.values())


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


# ------------------------------------------------------------------ answers for what cannot be done

async def unreadable(update: Update, context: Translating) -> None:
    """Registered last: a button no handler took (forged, from an older version of the bot, or of a
    form that has ended). A short answer stops the phone's spinner; nothing else happens."""
    if update.callback_query is not None:
        await update.callback_query.answer(
            context.t("This button no longer works. Please start again with the menu or a command."))


def nothing(data: object) -> bool:
    """The pattern of `refuse_empty`: PTB passes a tap *without* data to every patterned handler, and
    only a pattern that matches no data at all leaves exactly those taps to it."""
    return False


async def refuse_empty(update: Update, context: Translating) -> None:
    """A tap with empty data (Telegram never sends one, a forged update may): answer and stop."""
    await unreadable(update, context)
    raise ApplicationHandlerStop


async def gone(update: Update, context: Translating) -> None:
    """A readable button whose record is gone or is not the user's to use."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("This button is out of date; nothing was changed."),
                                           show_alert=True)
