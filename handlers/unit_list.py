"""The one way a long list of units is shown in chat: the summary line, a page of at most ten units, ◀ ▶
to page, 🔎 to search by typing part of a name.

The lists themselves (totals by unit, the totals unit picker, /status, the drill-down, the /invite and
/users unit pickers, /unreached) are screens from services: they rank and cut their units with
`bot.domain.units.lists.unit_page` and put the page's lines and ◀ ▶ 🔎 ✖ on the screen
(bot/domain/units/page_screen.py). What a list is looking at (its page, its search, and whatever else
it needs: a period, a category, a person) is kept per user and per list in user_data under STATE_KEY,
so ◀ ▶ 🔎 carry only the list's kind and the page (bot/presentation/callbacks/).

Each list registers itself (`register`) with who may press its buttons — an audience of
bot/domain/permissions.py, as in the command table (handlers/registry.py), and the polite refusal for
everyone else — and the coroutine that draws it again. A press is checked against that audience first,
and then drawn by the list itself, which checks the unit tree (a unit outside the reader's subtree is never shown).

🔎 asks for a name: the next typed line is the search (`SearchWaiting`, in the waiting group before the
main one, so the line is not read as a quick entry or a question). A command or a menu button instead
ends the wait and is handled as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, filters

from bot.domain.permissions import MEMBERS as MEMBERS  # the audiences a list is for, as for commands
from bot.domain.permissions import SUPERVISORS, Do, may
from bot.domain.screen import screen_of
from bot.domain.units.lists import clean_query
from bot.i18n import N_
from bot.presentation.callbacks import (
    UnitListAll,
    UnitListFind,
    UnitListPage,
    decode,
)
from bot.presentation.render import reply
from handlers.context import ChungTayContext

MANAGERS = SUPERVISORS
"""The audiences a list is for are those of bot/domain/permissions.py, as for commands and buttons."""
STATE_KEY = "unit_list"
WAIT = "wait"
Show = Callable[[Update, ChungTayContext, bool], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class ListKind:
    """A list of units: its kind (the code its buttons carry), who may press its buttons and what they are
    told otherwise, and how it is drawn again (`show(update, context, fresh)`)."""

    code: str
    roles: frozenset[str]
    refusal: str
    show: Show


_KINDS: dict[str, ListKind] = {}


def register(code: str, *, roles: frozenset[str], refusal: str, show: Show) -> None:
    _KINDS[code] = ListKind(code, roles, refusal, show)


# ------------------------------------------------------------------ the state of each list


def state(context: ChungTayContext, kind: str) -> dict[str, Any]:
    """The list's own state (page, search "q", and what the list stores), created empty."""
    lists = context.user_data.setdefault(STATE_KEY, {})  # type: ignore[union-attr]
    found = lists.get(kind)
    if not isinstance(found, dict):
        found = lists[kind] = {}
    return found


def reset(context: ChungTayContext, kind: str, **values: Any) -> dict[str, Any]:
    """A list opened anew: first page, no search, and the values it needs."""
    lists = context.user_data.setdefault(STATE_KEY, {})  # type: ignore[union-attr]
    lists[kind] = {"page": 0, "q": "", **values}
    if lists.get(WAIT) == kind:
        lists.pop(WAIT, None)
    return lists[kind]


def forget(context: ChungTayContext, kind: str) -> None:
    """A list whose form has ended: its state goes, so nothing of it lingers in the stored user data."""
    lists = context.user_data.get(STATE_KEY) if context.user_data is not None else None
    if not isinstance(lists, dict):
        return
    lists.pop(kind, None)
    if lists.get(WAIT) == kind:
        lists.pop(WAIT, None)
    if not lists:
        context.user_data.pop(STATE_KEY, None)  # type: ignore[union-attr]


def page_number(values: dict[str, Any]) -> int:
    page = values.get("page")
    return page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else 0


def query_of(values: dict[str, Any]) -> str:
    query = values.get("q")
    return query if isinstance(query, str) else ""


# ------------------------------------------------------------------ ◀ ▶ 🔎 ✖ pressed, and the typed search


async def on_button(update: Update, context: ChungTayContext) -> None:
    """Every ◀ ▶ 🔎 ✖ of a list: refused to whoever the list is not for, else the list drawn again."""
    query = update.callback_query
    pressed = decode(query.data if query else None)
    if query is None or not isinstance(pressed, UnitListPage | UnitListFind | UnitListAll):
        return
    kind = _KINDS.get(pressed.kind)
    if kind is None or not may(context.db_user, Do.USE, kind.roles):
        await query.answer(context.t(kind.refusal if kind else N_("This button is out of date; nothing was "
                                                                   "changed.")), show_alert=True)
        return
    values = state(context, pressed.kind)
    if isinstance(pressed, UnitListFind):
        await query.answer()
        context.user_data[STATE_KEY][WAIT] = pressed.kind  # type: ignore[index]
        if isinstance(query.message, Message):
            prompt = context.t("🔎 Type part of the unit's name (with or without accents):")
            await reply(query.message, screen_of(prompt))
        return
    if isinstance(pressed, UnitListAll):
        values["q"], values["page"] = "", 0
    else:
        values["page"] = pressed.page
    await query.answer()
    await kind.show(update, context, False)


class SearchWaiting(filters.MessageFilter):
    """Private text (not a command) while a list waits for its search after 🔎."""

    def __init__(self, application: Any) -> None:
        super().__init__(name="SearchWaiting")
        self._application = application

    def filter(self, message: Message) -> bool:
        if not message.text or message.text.startswith("/") or message.from_user is None:
            return False
        lists = (self._application.user_data.get(message.from_user.id) or {}).get(STATE_KEY)
        return isinstance(lists, dict) and lists.get(WAIT) in _KINDS


async def read_search(update: Update, context: ChungTayContext) -> None:
    """The typed search: the list again from its first page, only the units whose name holds the text.
    Stops the update here, so the line is not also read as an entry or a question."""
    message = update.effective_message
    lists = context.user_data.get(STATE_KEY) or {}  # type: ignore[union-attr]
    kind = _KINDS.get(lists.pop(WAIT, None) or "")
    if message is None or message.text is None or kind is None:
        raise ApplicationHandlerStop
    if not may(context.db_user, Do.USE, kind.roles):
        await reply(message, screen_of(context.t(kind.refusal)))
        raise ApplicationHandlerStop
    values = state(context, kind.code)
    values["q"], values["page"] = clean_query(message.text), 0
    await kind.show(update, context, True)
    raise ApplicationHandlerStop


async def end_wait(update: Update, context: ChungTayContext) -> None:
    """A command or a menu button while a search is awaited: stop waiting, and let it be handled as usual."""
    lists = context.user_data.get(STATE_KEY) if context.user_data is not None else None
    if isinstance(lists, dict):
        lists.pop(WAIT, None)
