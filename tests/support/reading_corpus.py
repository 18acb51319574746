"""The reading corpus (tests/support/reading_corpus.txt): one-line entries as reports, notebooks and phones
write them, each with the card it must produce, and how a reading is scored.

A line is *read right in one step* when the whole card is right: entry or question, category, every figure
(households, persons, quantity and its unit, money), the ≈ flag, which figures were derived from a per-unit
figure, and - where the line is contradictory or incomplete - that the reader asks instead of guessing.
A *silent wrong figure* is the failure that matters most: a card that would save a figure the line did not
mean, without asking. Used by tests/unit/test_reading_corpus.py and bench/reading.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.parsing.entry_lexicon import unit_code
from bot.domain.parsing.quick_entry import ParsedEntry, parse_quick_entry
from bot.domain.parsing.segments import split_actions
from bot.domain.totals.questions import ENTRY, line_kind

CORPUS = Path(__file__).with_name("reading_corpus.txt")
TODAY = date(2026, 11, 23)
_MONEY = {"k": 1_000, "tr": 1_000_000, "ty": 1_000_000_000}


@dataclass
class Row:
    line: str
    category: str | None
    figures: dict[str, Decimal | None] = field(default_factory=dict)
    unit: str | None = None
    approximate: bool = False
    derived: frozenset[str] = frozenset()
    ask: str | None = None
    kind: str = ENTRY
    deferred: bool = False  # needs another branch (two actions, health care): listed, not scored
    more: list[Row] = field(default_factory=list)  # the further cards of a line that holds several actions


def _money(text: str) -> Decimal:
    for suffix, factor in _MONEY.items():
        if text.endswith(suffix):
            return Decimal(text.removesuffix(suffix)) * factor
    return Decimal(text)


def _card(line: str, expected: str, catalogue: CatalogueFile) -> Row:
    words = expected.split()
    row = Row(line, None if words[0] == "-" else words[0],
              figures={"households": None, "persons": None, "quantity": None, "value": None})
    spec = catalogue.category_by_code(row.category or "")
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key == "hh":
            row.figures["households"] = Decimal(value)
        elif key == "pp":
            row.figures["persons"] = Decimal(value)
        elif key == "q":
            number, _, unit = value.partition(":")
            row.figures["quantity"] = Decimal(number)
            quantity = spec.measure("quantity") if spec else None
            row.unit = (None if unit == "none" else unit) if unit else (unit_code(quantity) if quantity else None)
        elif key == "v":
            row.figures["value"] = _money(value)
        elif key == "~":
            row.approximate = True
        elif key == "each":
            row.derived = frozenset(value.split(","))
        elif key == "ask":
            row.ask = value
        elif key == "kind":
            row.kind = value
        elif key == "needs":
            row.deferred = True
        else:
            raise ValueError(f"unknown expectation {word!r} in {line!r}")
    return row


def load(catalogue: CatalogueFile) -> list[Row]:
    """The corpus rows; a row of several actions ("… || housing q=60 && housing q=25") keeps its further
    cards in `more`."""
    rows: list[Row] = []
    for raw in CORPUS.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        line, expected = (part.strip() for part in raw.split("||"))
        cards = [_card(line, part.strip(), catalogue) for part in expected.split("&&")]
        row = cards[0]
        row.more = cards[1:]
        row.deferred = any(card.deferred for card in cards)
        rows.append(row)
    return rows


def figures_of(entry: ParsedEntry) -> dict[str, Decimal | None]:
    return {"households": Decimal(entry.households) if entry.households is not None else None,
            "persons": Decimal(entry.persons) if entry.persons is not None else None,
            "quantity": entry.quantity,
            "value": Decimal(entry.value_dong) if entry.value_dong is not None else None}


@dataclass
class Reading:
    row: Row
    kind: str
    entry: ParsedEntry
    right: bool
    silent_wrong: bool
    why: str


def entries_of(line: str, kind: str, catalogue: CatalogueFile) -> list[ParsedEntry]:
    """The cards the bot shows for a line it reads as an entry: one per action when the line holds several."""
    actions = split_actions(line, catalogue, today=TODAY) if kind == ENTRY else None
    return list(actions.entries) if actions is not None else [parse_quick_entry(line, catalogue, today=TODAY)]


def read(row: Row, catalogue: CatalogueFile) -> Reading:
    """Read one row's line as the bot does (entry or question first, then the cards) and score it."""
    kind = line_kind(row.line, catalogue=catalogue, today=TODAY)
    entries = entries_of(row.line, kind, catalogue)
    problems: list[str] = []
    if kind != row.kind:
        problems.append(f"kind {kind} != {row.kind}")
    if row.kind == "question":
        return Reading(row, kind, entries[0], not problems, False, "; ".join(problems))
    cards = [row, *row.more]
    if len(entries) != len(cards):
        problems.append(f"{len(entries)} card(s) for {len(cards)} action(s)")
    silent = False
    for card, entry in zip(cards, entries, strict=False):
        wrong, silently = _score_card(card, entry, kind)
        problems += wrong
        silent = silent or silently
    return Reading(row, kind, entries[0], not problems, silent, "; ".join(problems))


def _score_card(row: Row, entry: ParsedEntry, kind: str) -> tuple[list[str], bool]:
    """What is wrong on one card, and whether a figure on it would be saved wrong without a question."""
    got = figures_of(entry)
    asked = bool(entry.problems) or entry.total_choice is not None
    saved_as_entry = kind == ENTRY and not asked and entry.category is not None
    silent = saved_as_entry and any(got[code] is not None and got[code] != row.figures[code] for code in got)
    problems: list[str] = []
    if entry.category != row.category:
        problems.append(f"category {entry.category} != {row.category}")
    if row.ask == "total":
        if entry.total_choice is None:
            problems.append("did not ask which total")
        got = {**got, entry.total_choice["measure"]: None} if entry.total_choice else got
        expected = {**row.figures, "value" if "value" in row.derived else "quantity": None}
    else:
        expected = row.figures
    if row.ask and row.ask != "total":
        if row.ask not in [reason for reason, _ in entry.problems]:
            problems.append(f"did not ask ({row.ask}); problems {entry.problems}")
    else:
        if entry.problems:
            problems.append(f"problems {entry.problems}")
        if got != expected:
            problems.append(f"figures {_short(got)} != {_short(expected)}")
        if row.figures["quantity"] is not None and entry.quantity_unit != row.unit:
            problems.append(f"unit {entry.quantity_unit} != {row.unit}")
        if entry.approximate != row.approximate:
            problems.append(f"approximate {entry.approximate}")
        if set(entry.per_unit) != set(row.derived):
            problems.append(f"derived {sorted(entry.per_unit)} != {sorted(row.derived)}")
    return problems, silent


def _short(figures: dict[str, Decimal | None]) -> dict[str, str]:
    return {k: str(v) for k, v in figures.items() if v is not None}


def measure(catalogue: CatalogueFile) -> tuple[list[Reading], list[Row]]:
    """Every scored reading, and the rows deferred to another branch."""
    rows = load(catalogue)
    return [read(row, catalogue) for row in rows if not row.deferred], [row for row in rows if row.deferred]
