"""Reading one quick-entry line against the lexicon (`bot.domain.parsing.entry_lexicon`).

The passes, in order, are described in `bot.domain.parsing.quick_entry`; each one consumes the tokens it
understood, so a word is never read twice. Dates go through the one date grammar
(`bot.domain.parsing.dates`), catalogue words through the one matcher (`bot.domain.parsing.matcher`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from bot.domain.parsing.entry_dates import numeric_dates, period_fields, word_dates
from bot.domain.parsing.entry_figures import (
    keyword_as_unit,
    read_approximations,
    read_labels,
    read_per_unit,
    settle_per_unit,
)
from bot.domain.parsing.entry_lexicon import ADMIN_WORDS, COUNT_ADJECTIVES, CategoryLexicon
from bot.domain.parsing.entry_line import FREE, UNIT, USED, Line, PerUnit
from bot.domain.parsing.matcher import Meaning, PhraseIndex
from bot.domain.parsing.numbers import (
    MONEY_MULTIPLIERS,
    QUANTITY_MAX,
    NumberError,
    clean_decimal,
    parse_count,
    parse_money,
    parse_quantity,
)
from bot.domain.parsing.text import fold
from bot.domain.parsing.tokens import GROUPED, NUM_PARTS

BARE_MONEY_MIN = 100_000
"""A bare number this large is money: nobody gives 100.000 households anything in one entry."""


def _longest_first(item: tuple[tuple[int, int], list[Meaning]]) -> tuple[int, int]:
    """Sort key for (start, end) spans: longest phrase first, then the earliest."""
    (start, end), _ = item
    return start - end, start


class Reader(Line):
    """One pass over one message; fills `entry` in place."""

    # ── the passes

    def read(self) -> None:
        word_dates(self)
        read_labels(self)
        read_approximations(self)
        self.choose_category()
        read_per_unit(self)
        numeric_dates(self)
        period_fields(self)
        self.numbers_with_units()
        self.keywords()
        self.leftovers()
        settle_per_unit(self)

    def choose_category(self) -> None:
        """The category whose keywords and choices name the most words of the line, then whose units explain
        the most figures ("40 suất quà, mỗi suất gồm tiền mặt 500.000đ" is a gift that holds cash).

        "vay 20 học sinh sinh viên" is a loan (vay + the purpose "học sinh sinh viên"), not education
        (only "học sinh"); ties go to the keyword typed first, as officers start with the category.
        Without any category keyword, a quantity unit that only one category uses decides ("50 thẻ").
        """
        best: tuple[tuple[int, int, int, int, int], CategoryLexicon] | None = None
        all_hits = {c.spec.code: self._hits(c.keywords) for c in self.lexicon.categories}
        for category in self.lexicon.categories:
            hits = all_hits[category.spec.code]
            if not hits:
                continue
            named = {i for start, end in hits for i in range(start, end)}
            choices = {i for start, end in self._hits(category.choices) for i in range(start, end)}
            # another category's words that hold one of this one's choices are that choice: "vay vốn làm công
            # trình vệ sinh" is a loan for sanitation, not sanitation
            named |= choices | {i for code, other in all_hits.items() if code != category.spec.code
                                for start, end in other if choices & set(range(start, end))
                                for i in range(start, end)}
            units = self._unit_tokens(category)
            first = min(start for start, _ in hits)
            longest = max(end - start for start, end in hits)
            key = (len(named), len(units), -first, longest, -category.sort)
            if best is None or key > best[0]:
                best = (key, category)
        if best is None:
            by_unit = [c for c in self.lexicon.categories if self._unit_tokens(c, quantity_only=True)]
            single = [c for c in by_unit if not c.spec.measure("quantity").units]  # type: ignore[union-attr]
            if len(by_unit) > 1 and len(single) == 1:
                by_unit = single  # "90 suất": the gift's only unit, one of the cash handout's several
            if len(by_unit) == 1:
                best = ((0, 0, 0, 0, 0), by_unit[0])
        if best is not None:
            self.category = best[1]
            self.entry.category = best[1].spec.code

    def _hits(self, index: PhraseIndex) -> list[tuple[int, int]]:
        hits: list[tuple[int, int]] = []
        for start, token in enumerate(self.tokens):
            if (token.folded,) in index.prefixes and self.free(start):
                hits += [(start, end) for end, _ in index.at(self.tokens, start, self.free)]
        return hits

    def _unit_tokens(self, category: CategoryLexicon, *, quantity_only: bool = False) -> set[int]:
        """Tokens that are a unit of this category right after a number ("45 hộ", "5410kg")."""
        covered: set[int] = set()
        for index, token in enumerate(self.tokens):
            if token.kind != "num" or not self.free(index):
                continue
            for end, meaning, _ in self.units_after(index, category.units):
                if quantity_only and (meaning.role != "quantity" or meaning.field_code == "counted"):
                    continue
                covered |= set(range(index, end))
        return covered

    def numbers_with_units(self) -> None:
        """Every number followed by (or glued to) a unit word becomes a measure."""
        index = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.kind != "num" or not self.free(index):
                index += 1
                continue
            parts = NUM_PARTS.fullmatch(token.norm)
            if parts is not None and parts.group("letters") and fold(parts.group("letters")) in MONEY_MULTIPLIERS:
                index = self._money(index, index + 1, MONEY_MULTIPLIERS[fold(parts.group("letters"))], tail=False)
                continue
            found = self.units_after(index, self.unit_index()) or keyword_as_unit(self, index)
            skipped = 0
            if not found and parts is not None and not parts.group("letters"):
                found, skipped = self._unit_after_adjectives(index)
            foreign = [] if found or self.category is None or self.category.choices.at(self.tokens, index, self.free) \
                else self.units_after(index, self.lexicon.any_units)
            if foreign and foreign[0][1].role == "quantity":
                # "quà … mỗi suất gồm 10kg gạo": a weight the category does not record; kept, not a figure
                self.entry.unknown.append(self.text(index, foreign[0][0]))
                self.use(index, foreign[0][0])
                index = foreign[0][0]
                continue
            if not found and not (parts is None or parts.group("letters")):
                found = self._unit_before(index)
            if not found:
                if parts is None or parts.group("letters"):
                    self.problem("not_a_number", index, index + 1)
                    self.use(index, index + 1)
                index += 1
                continue
            end, meaning, number = found[0]
            if meaning.role == "money":
                index = self._money(index, end, meaning.factor, tail=fold(meaning.code) in MONEY_MULTIPLIERS)
                continue
            self._measure(meaning, number, index, end)
            self.use(index + 1, index + 1 + skipped, FREE)  # "25 poor households": "poor" names the class
            index = end

    def _unit_after_adjectives(self, index: int) -> tuple[list[tuple[int, Meaning, str]], int]:
        """"25 poor households", "40 near-poor families": English puts the class between the count and what it
        counts. Only people counts are read through such words, and the words stay free for the class."""
        skip = index + 1
        while skip < min(index + 5, len(self.tokens)) and self.free(skip) and (
                self.tokens[skip].folded in COUNT_ADJECTIVES or (skip > index + 1 and self.tokens[skip].raw == "-")):
            skip += 1  # "near-poor" is three tokens
        if skip == index + 1 or skip >= len(self.tokens):
            return [], 0
        found = [(end, meaning, self.tokens[index].norm) for end, meaning in self.unit_index().at(
            self.tokens, skip, self.free) if meaning.role in ("households", "persons")]
        found.sort(key=lambda item: (item[0], item[1].priority), reverse=True)
        return found[:1], (skip - index - 1 if found else 0)

    def _unit_before(self, index: int) -> list[tuple[int, Meaning, str]]:
        """"số hộ: 45", "số hộ 45", "gift packages: 50": a count written after its unit word, as report tables
        do - after a colon or "số" only ("xây nhà 2025" is not 2025 houses), and only a unit word no other number
        has taken ("20 suất 500000" is money, not 500000 packages)."""
        digits = self.tokens[index].norm.replace(".", "")
        if not digits.isdigit() or int(digits) >= BARE_MONEY_MIN:
            return []  # "cho hộ 500000" is money for the household
        colon = index > 0 and self.tokens[index - 1].raw in (":", "-")
        end = index - 1 if colon else index
        for start in range(max(end - 2, 0), end):
            labelled = colon or (start > 0 and self.tokens[start - 1].folded in ("so", "number")) \
                or (start == end - 1 and int(digits) < 1000 and self.tokens[start].folded in self._english_units())
            for unit_end, meaning in self.unit_index().at(self.tokens, start, self.free):
                if labelled and unit_end == end and meaning.role in ("households", "persons", "quantity"):
                    self.use(start, end)
                    return [(index + 1, meaning, self.tokens[index].norm)]
        return []

    def _english_units(self) -> set[str]:
        """English quantity unit names: tables write the count after them, no colon ("health insurance cards 300")."""
        quantity = self.category.spec.measure("quantity") if self.category is not None else None
        if quantity is None:
            return set()
        return {fold(name) for name in (quantity.unit_en, *(option.unit_en for option in quantity.units)) if name}

    def _money(self, start: int, end: int, multiplier: int, *, tail: bool) -> int:
        """Read money from `start`, extending over "… 200 triệu" (smaller units), a bare tail
        ("2 triệu 500", only after a separate word without "đồng") and a trailing "đồng"/"đ";
        returns where reading continues."""
        last_multiplier = multiplier
        tail_allowed = tail and multiplier >= 1_000_000
        while end < len(self.tokens) and self.tokens[end].kind == "num" and self.free(end):
            parts = NUM_PARTS.fullmatch(self.tokens[end].norm)
            if parts is None:
                break
            letters = fold(parts.group("letters"))
            if letters:
                next_multiplier = MONEY_MULTIPLIERS.get(letters)
                if next_multiplier is None or next_multiplier >= last_multiplier:
                    break
                last_multiplier, end, tail_allowed = next_multiplier, end + 1, False
                continue
            found = self.units_after(end, self.unit_index())
            if found:
                unit_end, meaning, _ = found[0]
                if tail_allowed and meaning.role == "money" and meaning.factor == 1 \
                        and re.fullmatch(r"[0-9]{1,3}", parts.group("number")):
                    end = unit_end  # "2 triệu 500 đồng"
                    break
                if meaning.role != "money" or meaning.factor >= last_multiplier or meaning.factor == 1:
                    break
                last_multiplier, end = meaning.factor, unit_end
                tail_allowed = last_multiplier >= 1_000_000 and fold(meaning.code) in MONEY_MULTIPLIERS
                continue
            if tail_allowed and re.fullmatch(r"[0-9]{1,3}", parts.group("number")):
                end += 1
            break
        if end < len(self.tokens) and self.free(end) and self.tokens[end].folded in ("d", "dong", "vnd"):
            end += 1
        try:
            value = parse_money(self.text(start, end))
        except NumberError as error:
            self.problem(error.reason, start, end)
        else:
            self._assign("money", value, None, start, end)
        self.use(start, start + 1)
        for index in range(start + 1, end):
            self.state[index] = USED if self.tokens[index].kind == "num" else UNIT
        return end

    def _measure(self, meaning: Meaning, number: str, start: int, end: int) -> None:
        try:
            if meaning.role == "quantity":
                amount, _ = parse_quantity(number)
                amount = clean_decimal(amount * meaning.factor)
                if amount > QUANTITY_MAX:
                    raise NumberError("too_large", number)
                self._assign("quantity", amount, meaning.code or None, start, end)
            else:
                self._assign(meaning.role, parse_count(number), None, start, end)
            if meaning.field_code == "counted":
                self.entry.counted[meaning.role] = self.text(start, end)
        except NumberError as error:
            self.problem(error.reason, start, end)
        self.use(start, start + 1)
        self.use(start + 1, end, UNIT)

    def _assign(self, role: str, value: object, unit: str | None, start: int, end: int) -> None:
        measure_code = "value" if role == "money" else role
        if self.category is not None and self.category.spec.measure(measure_code) is None:
            self.problem("unexpected_measure", start, end)
            return
        if start in self.approximate:
            self.entry.approximate_measures.append(measure_code)
        if start in self.per_unit:
            base, words = self.per_unit[start]
            self.pending.append(PerUnit(role, value, unit, base, words))  # type: ignore[arg-type]
            return
        attribute = "value_dong" if role == "money" else role
        if role == "quantity":
            current = (self.entry.quantity, self.entry.quantity_unit)
            if current[0] is None:
                self.entry.quantity, self.entry.quantity_unit = value, unit  # type: ignore[assignment]
            elif current != (value, unit):
                self.problem("conflict", start, end)
            return
        self.set_once(attribute, value, start, end)

    def keywords(self) -> None:
        """Categories, choices, organisations, classes and funding sources, longest phrase first.

        A phrase may begin on the unit of a number when it goes on past it: "45 hộ nghèo" is 45
        households *and* the class "hộ nghèo".
        """
        indexes = [self.lexicon.general]
        if self.category is not None:
            indexes = [self.category.keywords, self.category.choices, self.lexicon.general]
        candidates: dict[tuple[int, int], list[Meaning]] = {}
        for start in range(len(self.tokens)):
            if self.state[start] == USED:
                continue
            usable = self._usable_from(start)
            for index in indexes:
                for end, meaning in index.at(self.tokens, start, usable):
                    if self._span_allowed(start, end):
                        candidates.setdefault((start, end), []).append(meaning)
        organisation_ends: set[int] = set()
        for (start, end), meanings in sorted(candidates.items(), key=_longest_first):
            if not self._span_allowed(start, end):
                continue
            if start in organisation_ends and tuple(t.folded for t in self.tokens[start:end]) in ADMIN_WORDS:
                self.use(start, end)  # the "xã" of "hội phụ nữ xã"
                continue
            if any(m.role == "organisation" for m in meanings):
                organisation_ends.add(end)
            self._apply(meanings, start, end)
            if self.category is not None and any(m.role == "category" for m in meanings):
                self._choices_inside(start, end)
            self.use(start, end)
        for start in organisation_ends:  # level words that are not keywords themselves ("thị trấn")
            for words in ADMIN_WORDS:
                end = start + len(words)
                if all(self.free(i) for i in range(start, min(end, len(self.tokens)))) and end <= len(self.tokens) \
                        and tuple(t.folded for t in self.tokens[start:end]) == words:
                    self.use(start, end)

    def _choices_inside(self, start: int, end: int) -> None:
        """Choices spelled inside a category keyword count too: "quà tết" is gift *and* Tết.

        Only choices: the "đoàn" inside "nhà đại đoàn kết" is not the Youth Union.
        """
        assert self.category is not None
        inside: dict[tuple[int, int], list[Meaning]] = {}
        for first in range(start, end):
            for last, meaning in self.category.choices.at(self.tokens, first, lambda i: i < end):
                if (first, last) != (start, end):
                    inside.setdefault((first, last), []).append(meaning)
        taken: set[int] = set()
        for (first, last), meanings in sorted(inside.items(), key=_longest_first):
            if taken.isdisjoint(range(first, last)):
                self._apply(meanings, first, last)
                taken.update(range(first, last))

    def _usable_from(self, start: int) -> Callable[[int], bool]:
        return lambda i: self.state[i] != USED and (self.state[i] == FREE or all(
            self.state[j] == UNIT for j in range(start, i + 1)
        ))

    def _span_allowed(self, start: int, end: int) -> bool:
        """All tokens free, or unit tokens at the start followed by at least one free token."""
        states = self.state[start:end]
        if USED in states:
            return False
        first_free = next((i for i, s in enumerate(states) if s == FREE), None)
        return first_free is not None and all(s == FREE for s in states[first_free:])

    def _set_class(self, code: str, start: int, end: int) -> None:
        """Two different classes in one line ("phụ nữ nghèo, hộ cận nghèo") mean "mixed" when the
        catalogue has that class, which is how reports word it; otherwise it is a conflict."""
        current = self.entry.beneficiary_class
        if current is None or current == code:
            self.entry.beneficiary_class = code
        elif self.lexicon.mixed_class is not None:
            self.entry.beneficiary_class = self.lexicon.mixed_class
        else:
            self.problem("conflict", start, end)

    def _apply(self, meanings: list[Meaning], start: int, end: int) -> None:
        """Set what a phrase names. A field choice of the category names no organisation: "nhcsxh" in
        a loan is the lender, and the entry stays credited to the reporter's own organisation."""
        fields = [m for m in meanings if m.role == "field"]
        if fields:
            meanings = [m for m in meanings if m.role != "organisation"]
        if len({m.field_code for m in fields}) > 1:
            fields = []  # "khác" could be the lender or the purpose: ask rather than guess
            if all(m.role == "field" for m in meanings):
                self.entry.unknown.append(self.text(start, end))
        for meaning in fields:
            self.set_field(meaning.field_code, meaning.code, start, end)
        for meaning in meanings:
            if meaning.role == "beneficiary_class":
                self._set_class(meaning.code, start, end)
            elif meaning.role in ("organisation", "funding_source"):
                self.set_once(meaning.role, meaning.code, start, end)

    def leftovers(self) -> None:
        """Filler words vanish; bare numbers become money or an "ambiguous_number" problem; every
        other word is reported in `unknown`."""
        tokens = self.tokens
        for start in range(len(tokens)):
            if self.free(start):
                matches = self.lexicon.stopwords.at(tokens, start, self.free)
                if matches:
                    self.use(start, max(end for end, _ in matches))
        for index, token in enumerate(tokens):
            if not self.free(index):
                continue
            if token.kind == "num":
                self._bare_number(index)
            elif token.kind in ("word", "date"):
                self.entry.unknown.append(token.raw)
            self.use(index, index + 1)

    def _bare_number(self, index: int) -> None:
        number = self.tokens[index].norm
        if number[:1] in "-−–":
            self.problem("negative", index, index + 1)
            return
        digits = number.lstrip("+")
        if GROUPED.fullmatch(digits) or (re.fullmatch(r"[0-9]+", digits) and Decimal(digits) >= BARE_MONEY_MIN):
            try:
                value = parse_money(digits)
            except NumberError as error:
                self.problem(error.reason, index, index + 1)
            else:
                self._assign("money", value, None, index, index + 1)
            return
        self.problem("ambiguous_number", index, index + 1)

