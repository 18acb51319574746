"""One quick-entry line being read: its tokens, what each pass has understood so far, and the entry it fills.

Why a module of its own: the passes live in several modules (entry_reader.py drives them, entry_dates.py
and entry_figures.py read days and per-unit figures), and each works on the same line. Kept here, below all
of them, the passes import the line rather than the reader that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.domain.parsing.entry_lexicon import CategoryLexicon, Lexicon
from bot.domain.parsing.matcher import Meaning, PhraseIndex
from bot.domain.parsing.tokens import NUM_PARTS, tokenise, word

FREE, UNIT, USED = 0, 1, 2
"""Token states: not yet understood; the unit of a number (a keyword may start on it, e.g. the
"hộ" of "45 hộ nghèo"); fully understood."""


@dataclass
class ParsedEntry:
    """What a one-line message said; every field may be missing, the form asks for the rest."""

    category: str | None = None
    households: int | None = None
    persons: int | None = None
    quantity: Decimal | None = None
    quantity_unit: str | None = None
    value_dong: int | None = None
    organisation: str | None = None
    beneficiary_class: str | None = None
    funding_source: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    action_date: date | None = None
    unknown: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    approximate: bool = False
    """A figure was written as an approximation ("hơn", "khoảng", "ước"…)."""
    approximate_measures: list[str] = field(default_factory=list)
    """The measures whose figure was written as approximate ("hơn 3 tỷ" → ["value"])."""
    per_unit: dict[str, dict[str, str]] = field(default_factory=dict)
    """Measure → how it was derived from a per-unit figure: {"each", "count", "count_measure", "unit"}."""
    total_choice: dict[str, str] | None = None
    """A per-unit figure and a written total that disagree: {"measure", "derived", "written"}; the card asks."""
    counted: dict[str, str] = field(default_factory=dict)
    """Measure → the words that counted it when they are not its own unit ("5 hội viên" → households)."""

    def is_empty(self) -> bool:
        """Nothing recognised at all (unknown words and problems do not count).

        The bot then answers with an explanation and an example instead of opening a form.
        """
        return (
            self.category is None
            and self.households is None
            and self.persons is None
            and self.quantity is None
            and self.value_dong is None
            and self.organisation is None
            and self.beneficiary_class is None
            and self.funding_source is None
            and not self.fields
            and self.action_date is None
        )


@dataclass
class PerUnit:
    """A figure read as per unit of `base` (a count role), waiting for that count."""

    role: str  # "money", "quantity", or a count of people ("4 khẩu/hộ")
    value: int | Decimal
    unit: str | None
    base: str
    text: str


class Line:
    """The tokens of one message and their states; the passes mark what they understood and fill `entry`."""

    def __init__(self, text: str, lexicon: Lexicon, today: date, entry: ParsedEntry) -> None:
        self.tokens = tokenise(text)
        self.state = [FREE] * len(self.tokens)
        self.lexicon = lexicon
        self.today = today
        self.entry = entry
        self.category: CategoryLexicon | None = None
        self.per_unit: dict[int, tuple[str, str]] = {}  # number token → (count role it is per, its words)
        self.pending: list[PerUnit] = []
        self.approximate: set[int] = set()  # number tokens written as approximate
        self.conflicting: set[str] = set()  # fields given two different choices
        self.count_unit: str | None = None  # the quantity unit a per-unit phrase named ("/chiếc")

    def free(self, index: int) -> bool:
        return self.state[index] == FREE

    def text(self, start: int, end: int) -> str:
        return " ".join(t.raw for t in self.tokens[start:end])

    def use(self, start: int, end: int, state: int = USED) -> None:
        for index in range(start, end):
            self.state[index] = state

    def problem(self, reason: str, start: int, end: int) -> None:
        self.entry.problems.append((reason, self.text(start, end)))

    def set_once(self, attribute: str, value: object, start: int, end: int) -> None:
        """Set an entry attribute; a different second value is a "conflict" (the first is kept)."""
        current = getattr(self.entry, attribute)
        if current is None:
            setattr(self.entry, attribute, value)
        elif current != value:
            self.problem("conflict", start, end)

    def set_field(self, code: str, value: str, start: int, end: int) -> None:
        """Two different choices for one field ("quà Tết vì người nghèo", "trung thu … thiếu nhi") leave the
        field empty: the card shows nothing chosen and the form asks where it must, rather than refusing a
        line whose figures are fine."""
        if code in self.conflicting:
            return
        current = self.entry.fields.get(code)
        if current is None:
            self.entry.fields[code] = value
        elif current != value:
            self.conflicting.add(code)
            del self.entry.fields[code]

    def unit_index(self) -> PhraseIndex:
        return self.category.units if self.category is not None else self.lexicon.any_units

    def units_after(self, index: int, units: PhraseIndex) -> list[tuple[int, Meaning, str]]:
        """Units of the number at `index`: (end, meaning, number text), best first.

        The unit may be glued on ("5410kg", "45hộ") or follow as one or more words ("ngày công").
        """
        token = self.tokens[index]
        parts = NUM_PARTS.fullmatch(token.norm)
        if parts is None:
            return []
        letters = parts.group("letters")
        if letters:
            if parts.group("digits"):
                return []
            glued = word(letters)
            virtual = [glued, *self.tokens[index + 1 :]]
            matches = units.at(virtual, 0, lambda i: i == 0 or self.free(index + i))
            found = [(index + end, meaning, parts.group("number")) for end, meaning in matches]
        else:
            if index + 1 >= len(self.tokens):
                return []
            matches = units.at(self.tokens, index + 1, self.free)
            found = [(end, meaning, token.norm) for end, meaning in matches]
        found.sort(key=lambda item: (item[0], item[1].priority), reverse=True)
        return found
