"""Lists of units that stay readable at 170 communes: a summary line, the units ranked by what the reader
needs, pages of ten, and search by part of a name with or without accents.

Why one service: a province supervises 38–168 communes since the 2025 reform, and every list of units
(the breakdown "By unit" of /totals, /status, the digest, the drill-down, the unit pickers of /invite and
/users, /unreached) was a wall of lines or buttons built for a district of fifteen. Each list now hands
its units with their figures (`UnitEntry`) to `unit_page`, which

- says the whole list in one line first ("65 xã, phường: 41 đã nộp, 18 chưa, 6 trễ hạn"),
- ranks the units for the list's purpose (`Order`): missing and late first for reporting, the largest
  change from the period before for figures, the most households or records first for counts, by name
  for a picker,
- keeps the units whose name contains the typed text (folded: "binh gia" finds "Bình Gia"; the same
  `fold` the catalogue matcher uses),
- and cuts one page of at most PAGE_SIZE.

The handlers render the page in one way (handlers/unit_list.py: ◀ ▶, 🔎). The figures come from grouped
queries (bot/domain/units/figures.py, `period_status`), never one query per unit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.domain.formatting import format_money_prose, format_number
from bot.domain.parsing.text import fold
from bot.domain.reports.sentences import change_text
from bot.domain.spans import Text, bold, italic
from bot.domain.units.figures import UnitFigures
from bot.domain.units.tree import UNIT_KINDS, unit_display
from bot.i18n import Translator
from db.models import Unit

PAGE_SIZE = 10
MAX_QUERY = 60


class Order(StrEnum):
    """How a list ranks its units: what its reader looks for first."""

    STATUS = "status"  # reporting: not submitted, then late, then on time
    CHANGE = "change"  # figures: the largest change from the period before first, silent units last
    COUNT = "count"  # a count (households left behind, records): the most first
    NAME = "name"  # a picker: by name


MISSING, LATE, ON_TIME = "missing", "late", "on_time"
STATE_RANK = {MISSING: 0, LATE: 1, ON_TIME: 2}


@dataclass
class UnitEntry:
    """One unit of a list with what it is ranked on (only what its list uses is filled in)."""

    unit: Unit
    state: str | None = None  # MISSING, LATE or ON_TIME in a reporting list
    current: UnitFigures | None = None
    previous: UnitFigures | None = None
    count: int = 0
    opens: bool = False  # a picker: the unit has units under it

    def headline(self) -> tuple[int, int]:
        """(now, before) of the change: money when either period has some, else records."""
        now, before = self.current or UnitFigures(), self.previous or UnitFigures()
        if now.value_dong or before.value_dong:
            return now.value_dong, before.value_dong
        return now.records, before.records

    def change(self) -> Decimal:
        """How far the headline moved, as a share of the period before (a first figure counts as the
        largest change there is)."""
        now, before = self.headline()
        if not before:
            return Decimal(10**9) if now else Decimal(0)
        return abs(Decimal(now - before)) / Decimal(before)


@dataclass
class UnitPage:
    """One page of a ranked, searched list, and the line that sums up the whole list."""

    summary: str
    entries: list[UnitEntry]
    page: int
    pages: int
    total: int  # units in the list
    matched: int  # units that match the search (all when there is none)
    query: str

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def clean_query(text: str) -> str:
    """What is kept of a typed search: one line, at most MAX_QUERY characters, single spaces."""
    return " ".join(text.split())[:MAX_QUERY]


def matches(unit: Unit, query: str) -> bool:
    """True when the unit's name (or code) contains the typed text, accents and case ignored."""
    folded = fold(query)
    return not folded or folded in fold(unit.name) or folded in unit.code.casefold()


def rank(entries: Sequence[UnitEntry], order: Order) -> list[UnitEntry]:
    """The entries in the order the list's reader needs them (ties by name, then code)."""
    def by_name(entry: UnitEntry) -> tuple[str, str]:
        return fold(entry.unit.name), entry.unit.code

    if order is Order.STATUS:
        return sorted(entries, key=lambda e: (STATE_RANK.get(e.state or "", 3), *by_name(e)))
    if order is Order.CHANGE:
        return sorted(entries, key=lambda e: (not (e.current and e.current.records), -e.change(), *by_name(e)))
    if order is Order.COUNT:
        return sorted(entries, key=lambda e: (-e.count, *by_name(e)))
    return sorted(entries, key=by_name)


def kinds_text(t: Translator, units: Sequence[Unit]) -> str:
    """"65 xã, phường": how many units and of which kinds, the commonest kind first."""
    counted = Counter(unit.kind for unit in units)
    words = [t(UNIT_KINDS[kind]) if kind in UNIT_KINDS else kind for kind, _ in counted.most_common()]
    return t("{count} units ({kinds})").format(count=format_number(len(units), t.locale), kinds=", ".join(words))


def summary_text(t: Translator, entries: Sequence[UnitEntry], order: Order,
                 counted: Callable[[int, int], str] | None = None) -> str:
    """The line before the list, about the whole list: reporting states, who has figures, or a count
    (`counted(units with some, sum)` words it)."""
    head = kinds_text(t, [entry.unit for entry in entries])
    locale = t.locale
    if order is Order.STATUS:
        states = Counter(entry.state for entry in entries)
        return t("{units}: {on_time} submitted, {missing} not yet, {late} late").format(
            units=head, on_time=format_number(states[ON_TIME], locale),
            missing=format_number(states[MISSING], locale), late=format_number(states[LATE], locale))
    if order is Order.CHANGE:
        reported = sum(1 for entry in entries if entry.current and entry.current.records)
        return t("{units}: {reported} with figures, {silent} without figures yet").format(
            units=head, reported=format_number(reported, locale),
            silent=format_number(len(entries) - reported, locale))
    if order is Order.COUNT and counted is not None:
        return f"{head}: " + counted(sum(1 for entry in entries if entry.count), sum(e.count for e in entries))
    return head


def unit_page(t: Translator, entries: Sequence[UnitEntry], *, order: Order, page: int = 0, query: str = "",
              counted: Callable[[int, int], str] | None = None, size: int = PAGE_SIZE) -> UnitPage:
    """The summary of the whole list and one page of its ranked units that match `query`. A page past the
    end shows the last one (a button from before the list shrank)."""
    query = clean_query(query)
    found = [entry for entry in rank(entries, order) if matches(entry.unit, query)]
    pages = max(1, (len(found) + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    return UnitPage(summary=summary_text(t, entries, order, counted), entries=found[page * size:(page + 1) * size],
                    page=page, pages=pages, total=len(entries), matched=len(found), query=query)


def figures_text(t: Translator, figures: UnitFigures | None) -> str:
    """"12 lượt hỗ trợ, trị giá 81,15 triệu đồng", or "chưa có số liệu"."""
    if figures is None or not figures.records:
        return t("no figures yet")
    text = t("{count} records").format(count=format_number(figures.records, t.locale))
    if figures.value_dong:
        text += ", " + t("worth {value}").format(value=format_money_prose(figures.value_dong, t.locale))
    return text


def change_words(t: Translator, entry: UnitEntry, previous_label: str) -> str:
    """"tăng 20% so với tháng 10/2026", "tháng 10/2026: chưa có", or "" when both periods are empty."""
    now, before = entry.headline()
    return change_text(t, now, before, previous_label)


def state_words(t: Translator, state: str | None) -> str:
    return {MISSING: t("❌ not submitted"), LATE: t("⏰ late"), ON_TIME: t("✅ on time")}.get(state or "", "")


def entry_line(t: Translator, entry: UnitEntry, order: Order, *, previous_label: str = "",
               counted: Callable[[int], str] | None = None) -> str:
    """One unit as a line of its list: its state, its figures with their change, or its count."""
    name = unit_display(t, entry.unit)
    if order is Order.STATUS:
        return f"{name} — {state_words(t, entry.state)}"
    if order is Order.CHANGE:
        change = change_words(t, entry, previous_label) if previous_label else ""
        return f"{name}: {figures_text(t, entry.current)}" + (f" ({change})" if change else "")
    if order is Order.COUNT and counted is not None:
        return f"{name}: {counted(entry.count)}"
    return name


def page_heading(t: Translator, page: UnitPage) -> str:
    """"🔎 “binh”: 3/110 · trang 1/1" under the summary when searching, "Trang 2/11" otherwise."""
    pages = t("page {page}/{pages}").format(page=page.page + 1, pages=page.pages)
    if page.query:
        return t("🔎 “{query}”: {matched} of {total}").format(query=page.query, matched=page.matched,
                                                            total=page.total) + " · " + pages
    return pages[:1].upper() + pages[1:]


def page_head(t: Translator, page: UnitPage) -> Text:
    """The summary line in bold, where the reader is (page, search) in italics, and a word when the
    search found nothing: the lines above the units of every list."""
    text = Text().add(bold(page.summary))
    if page.pages > 1 or page.query:
        text.add(italic(page_heading(t, page)))
    if page.query and not page.matched:
        text.add(t("No unit matches “{query}”. Tap 🔎 to search again, or ✖ for the whole list.").format(
            query=page.query))
    return text
