"""One-line quick entry: "gạo 45 hộ 108 khẩu 5410kg 81,15tr" → a draft support action.

Officers type one line on a phone, in any word order, with or without diacritics:
`quà tết 356 hộ 571 suất 192,75 triệu`, `sua nha 2 can 80tr hoi phu nu`, `vay von 12 ho 600tr nhcsxh`.
Everything the parser knows comes from the catalogue (keywords of categories, organisations,
beneficiary classes, funding sources, field choices and units), so a province that adds a
category in `catalogue.toml` gets quick entry for it without a code change.

How a line is read, in order (each step consumes the words it understood):
1. words that name a day ("hôm qua", "15 tháng 6") → `action_date`;
2. the category: the one whose keywords, choices and units explain most of the line;
3. numeric dates ("15/6"), unless the category uses them as a choice ("17/10" is an occasion);
4. a quarter or month for categories that record one ("quý 3");
5. numbers with their unit ("45 hộ", "5410kg", "81,15tr", "1 tỷ 200 triệu") → the measures;
6. keywords, longest first, whole words only ("tn" never matches inside "tien"); a phrase may set
   several things at once ("quà tết" = gift + occasion Tết, "nhcsxh" = organisation + lender);
7. filler words ("cho", "hỗ trợ") are dropped; a number without a unit is money if it is clearly
   money (1.500.000, or ≥ 100.000), otherwise reported as ambiguous; every other word goes to
   `unknown`, so nothing the officer typed is silently ignored.

Diacritics are folded away for matching, but when the officer did type them and they contradict a
keyword ("bó" is not "bò", "cận" is not "căn") that keyword does not match.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.catalogue_file import CatalogueFile, CategorySpec, Measure
from bot.parsing.numbers import (
    MONEY_MULTIPLIERS,
    QUANTITY_MAX,
    NumberError,
    clean_decimal,
    parse_count,
    parse_day,
    parse_money,
    parse_quantity,
)
from bot.parsing.text import diacritic_marks, fold

logger = logging.getLogger(__name__)

MIXED_CLASS = "mixed"
"""Beneficiary class code used when one line names several classes."""
BARE_MONEY_MIN = 100_000
"""A bare number this large is money: nobody gives 100.000 households anything in one entry."""


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


def unit_code(measure: Measure) -> str:
    """The stable code recorded in `quantity_unit` for a measure's default unit.

    Several units: the `UnitOption.code` whose `unit_vi` is the default. One unit: the folded
    `unit_vi` with "_" for spaces ("kg", "suat", "can", "ngay_cong", "cong_trinh", "the", "buoi"),
    ASCII like every other code.
    """
    for option in measure.units:
        if option.unit_vi == measure.unit_vi:
            return option.code
    return re.sub(r"[^a-z0-9]+", "_", fold(measure.unit_vi)).strip("_") or measure.code


def parse_quick_entry(text: str, catalogue: CatalogueFile, *, today: date) -> ParsedEntry:
    """Read one free-text line into a `ParsedEntry`; never raises, whatever the input.

    Problems with figures (negative, zero, unreadable, too large, ambiguous, contradictory) are
    collected in `problems` so the handler can name the offending text in its reply.
    """
    entry = ParsedEntry()
    try:
        _Reader(text, _lexicon(catalogue), today, entry).read()
    except Exception:  # a parser bug must cost one reply, not the handler; the text is personal data
        logger.exception("quick entry parser failed on a %d-character message", len(text))
        entry.problems.append(("not_understood", text[:40]))
    return entry


# ──────────────────────────────────────────────────────────────────────────────── tokens


@dataclass(frozen=True)
class _Token:
    raw: str  # as typed (NFC), for messages
    norm: str  # casefolded
    folded: str  # without diacritics, for matching
    kind: str  # "word", "num", "date" or "punct"


_TOKEN_RE = re.compile(
    r"""
    (?P<date>[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{4}|/[0-9]{2})?(?![0-9/])
            |[0-9]{1,2}[.-][0-9]{1,2}[.-][0-9]{4}(?![0-9.]))
    |(?P<num>(?:(?<!\S)[-−–+])?[0-9]+(?:[.,][0-9]+)*(?:[^\W\d_]+[0-9]*)?)
    |(?P<word>[^\W\d_]+)
    |(?P<punct>\S)
    """,
    re.VERBOSE,
)
_NUM_PARTS = re.compile(r"(?P<number>[-−–+]?[0-9]+(?:[.,][0-9]+)*)(?P<letters>[^\W\d_]*)(?P<digits>[0-9]*)")
_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")


def _tokenise(text: str) -> list[_Token]:
    """Words, numbers (with a unit glued on: "5410kg", "1tr5"), dates ("15/6") and punctuation.

    Keywords are tokenised the same way, so "ns-vsmt" or "17/10" match token by token.
    """
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(collapsed):
        raw = match.group()
        tokens.append(_Token(raw, raw.casefold(), fold(raw), match.lastgroup or "punct"))
    return tokens


# ──────────────────────────────────────────────────────────────────────────────── lexicon


@dataclass(eq=False)
class _Meaning:
    """What a phrase means: a role ("category", "organisation", "field", "quantity", "money"…)
    and a code. `marks` holds the diacritic spellings the meaning knows per folded word."""

    role: str
    code: str
    field_code: str = ""
    factor: int = 1
    priority: int = 0
    marks: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)

    def agrees(self, tokens: Sequence[_Token]) -> bool:
        """False when the officer typed diacritics that contradict every spelling of this meaning."""
        for token in tokens:
            typed = diacritic_marks(token.norm)
            if not typed:
                continue
            known = self.marks.get(token.folded)
            if known and typed not in known:
                return False
        return True


class _Index:
    """Folded token sequences → meanings, for longest whole-word matching."""

    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], list[_Meaning]] = {}
        self.max_len = 0

    def add(self, keywords: Iterable[str], meaning: _Meaning) -> None:
        for keyword in keywords:
            tokens = _tokenise(keyword)
            if not tokens:
                continue
            for token in tokens:
                typed = diacritic_marks(token.norm)
                if typed:
                    meaning.marks.setdefault(token.folded, set()).add(typed)
            key = tuple(t.folded for t in tokens)
            bucket = self.phrases.setdefault(key, [])
            if meaning not in bucket:
                bucket.append(meaning)
            self.max_len = max(self.max_len, len(key))

    def at(self, tokens: Sequence[_Token], start: int, usable: Callable[[int], bool]) -> list[tuple[int, _Meaning]]:
        """(end, meaning) of every phrase starting at `start` over usable tokens, agreement-checked."""
        found: list[tuple[int, _Meaning]] = []
        key: list[str] = []
        for end in range(start, min(len(tokens), start + self.max_len)):
            if not usable(end):
                break
            key.append(tokens[end].folded)
            for meaning in self.phrases.get(tuple(key), ()):
                if meaning.agrees(tokens[start : end + 1]):
                    found.append((end + 1, meaning))
        return found


_HOUSEHOLD_WORDS = ("hộ", "ho", "hộ gia đình", "ho gia dinh", "hgđ", "hgd", "gia đình", "gia dinh", "hộ dân", "ho dan")
_PERSON_WORDS = (
    "khẩu", "khau", "nhân khẩu", "nhan khau", "người", "nguoi", "người tham gia", "nguoi tham gia",
    "học viên", "hoc vien", "lượt người", "luot nguoi", "học sinh", "hoc sinh", "hs", "em",
    "lượt học sinh", "luot hoc sinh",
)  # fmt: skip
_MONEY_WORDS: dict[str, int] = {
    "k": 1_000, "nghìn": 1_000, "nghin": 1_000, "ngàn": 1_000, "ngan": 1_000,
    "tr": 1_000_000, "triệu": 1_000_000, "trieu": 1_000_000, "trđ": 1_000_000, "trd": 1_000_000,
    "tỷ": 1_000_000_000, "ty": 1_000_000_000, "tỉ": 1_000_000_000, "ti": 1_000_000_000,
    "đ": 1, "d": 1, "đồng": 1, "dong": 1, "vnd": 1, "vnđ": 1,
    "nghìn đồng": 1_000, "nghin dong": 1_000, "ngàn đồng": 1_000, "ngan dong": 1_000,
    "triệu đồng": 1_000_000, "trieu dong": 1_000_000, "tr đồng": 1_000_000, "tr dong": 1_000_000,
    "tỷ đồng": 1_000_000_000, "ty dong": 1_000_000_000, "tỉ đồng": 1_000_000_000, "ti dong": 1_000_000_000,
}  # fmt: skip
_KG_CONVERSIONS = {"tấn": 1000, "tan": 1000, "tạ": 100, "ta": 100, "yến": 10, "yen": 10}
_ADMIN_WORDS = {("xa",), ("phuong",), ("thi", "tran"), ("huyen",), ("tinh",)}
"""Folded level words: after an organisation they are part of its name ("hội phụ nữ xã"), not the
commune People's Committee or a commune/district/province budget."""
_STOPWORDS = (
    "cho", "và", "va", "với", "voi", "hỗ trợ", "ho tro", "hỗ", "trợ", "tro", "trị giá", "tri gia", "giá trị",
    "gia tri", "kinh phí", "kinh phi", "số tiền", "so tien", "tổng", "tong", "tổng cộng", "tong cong", "gồm", "gom",
    "được", "duoc",
    "đã", "da", "các", "cac", "tại", "tai", "của", "cua", "cấp", "cap", "tặng", "tang", "trao", "phát", "phat", "nhận",
    "nhan", "ngày", "ngay", "vào", "vao", "trong đó", "trong do", "mỗi", "là", "la", "ở", "o", "đến", "den", "từ", "tu",
    "hộ", "ho", "số", "so", "lượng", "luong", "cho vay", "thực hiện", "thuc hien", "đợt", "dot", "năm", "nam",
)  # fmt: skip
_QUARTER_WORDS = {"quý", "quy", "q"}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MONTH_WORDS = {"tháng", "thang"}


@dataclass(eq=False)
class _CategoryLexicon:
    spec: CategorySpec
    sort: int
    keywords: _Index
    choices: _Index
    units: _Index  # quantity, households, persons and money words after a number


@dataclass(eq=False)
class _Lexicon:
    categories: list[_CategoryLexicon]
    general: _Index  # organisations, beneficiary classes, funding sources
    any_units: _Index  # units when no category is known
    stopwords: _Index
    mixed_class: str | None


def _measure_units(category: CategorySpec) -> list[tuple[list[str], _Meaning]]:
    """(keywords, meaning) of every unit word a number may carry in this category."""
    entries: list[tuple[list[str], _Meaning]] = []
    quantity = category.measure("quantity")
    if quantity is not None:
        if quantity.units:
            for option in quantity.units:
                entries.append(([option.unit_vi, *option.keywords], _Meaning("quantity", option.code, priority=3)))
        else:
            code = unit_code(quantity)
            entries.append(([quantity.unit_vi, *quantity.unit_keywords], _Meaning("quantity", code, priority=3)))
        single_kg = "kg" if unit_code(quantity) == "kg" else None
        kg_code = next((u.code for u in quantity.units if u.code == "kg"), single_kg)
        if kg_code is not None:
            for word, factor in _KG_CONVERSIONS.items():
                entries.append(([word], _Meaning("quantity", kg_code, factor=factor, priority=3)))
    households = list(_HOUSEHOLD_WORDS)
    persons = list(_PERSON_WORDS)
    for measure in category.measures:
        if measure.code == "households":
            households += [measure.unit_vi, fold(measure.unit_vi)]
            if "luot" in fold(measure.unit_vi):
                households += ["lượt", "luot"]
        elif measure.code == "persons":
            persons += [measure.unit_vi, fold(measure.unit_vi)]
            if "luot" in fold(measure.unit_vi):
                persons += ["lượt", "luot"]
    entries.append((households, _Meaning("households", "households", priority=2)))
    entries.append((persons, _Meaning("persons", "persons", priority=2)))
    return entries


def _build_lexicon(catalogue: CatalogueFile) -> _Lexicon:
    categories: list[_CategoryLexicon] = []
    for sort, spec in enumerate(catalogue.category):
        keywords, choices, units = _Index(), _Index(), _Index()
        keywords.add(spec.keywords, _Meaning("category", spec.code))
        for extra in spec.fields:
            for choice in extra.choices:
                choices.add(choice.keywords, _Meaning("field", choice.code, field_code=extra.code))
        for words, meaning in _measure_units(spec):
            units.add(words, meaning)
        for word, multiplier in _MONEY_WORDS.items():
            units.add([word], _Meaning("money", word, factor=multiplier, priority=1))
        categories.append(_CategoryLexicon(spec, sort, keywords, choices, units))

    general = _Index()
    for organisation in catalogue.organisation:
        general.add(organisation.keywords, _Meaning("organisation", organisation.code))
    for klass in catalogue.beneficiary_class:
        general.add(klass.keywords, _Meaning("beneficiary_class", klass.code))
    for source in catalogue.funding_source:
        general.add(source.keywords, _Meaning("funding_source", source.code))

    any_units = _Index()
    quantity_codes: dict[str, set[str]] = {}
    for spec in catalogue.category:
        for words, meaning in _measure_units(spec):
            if meaning.role == "quantity":
                for word in words:
                    quantity_codes.setdefault(fold(word), set()).add(meaning.code)
    for word, codes in quantity_codes.items():
        # Without a category a unit word sets the unit only when every category agrees on it.
        any_units.add([word], _Meaning("quantity", next(iter(codes)) if len(codes) == 1 else "", priority=3))
    any_units.add(_HOUSEHOLD_WORDS, _Meaning("households", "households", priority=2))
    any_units.add(_PERSON_WORDS, _Meaning("persons", "persons", priority=2))
    for word, multiplier in _MONEY_WORDS.items():
        any_units.add([word], _Meaning("money", word, factor=multiplier, priority=1))

    stopwords = _Index()
    stopwords.add(_STOPWORDS, _Meaning("stop", "stop"))
    mixed = next((k.code for k in catalogue.beneficiary_class if k.code == MIXED_CLASS), None)
    return _Lexicon(categories, general, any_units, stopwords, mixed)


_LEXICONS: dict[int, tuple[CatalogueFile, _Lexicon]] = {}


def _lexicon(catalogue: CatalogueFile) -> _Lexicon:
    """The compiled keyword indexes of a catalogue, built once (the catalogue is frozen)."""
    cached = _LEXICONS.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    lexicon = _build_lexicon(catalogue)
    if len(_LEXICONS) >= 8:
        _LEXICONS.clear()
    _LEXICONS[id(catalogue)] = (catalogue, lexicon)  # holding the catalogue keeps its id unique
    return lexicon


# ──────────────────────────────────────────────────────────────────────────────── reading

_FREE, _UNIT, _USED = 0, 1, 2
"""Token states: not yet understood; the unit of a number (a keyword may start on it, e.g. the
"hộ" of "45 hộ nghèo"); fully understood."""


def _longest_first(item: tuple[tuple[int, int], list[_Meaning]]) -> tuple[int, int]:
    """Sort key for (start, end) spans: longest phrase first, then the earliest."""
    (start, end), _ = item
    return start - end, start


class _Reader:
    """One pass over one message; fills `entry` in place."""

    def __init__(self, text: str, lexicon: _Lexicon, today: date, entry: ParsedEntry) -> None:
        self.tokens = _tokenise(text)
        self.state = [_FREE] * len(self.tokens)
        self.lexicon = lexicon
        self.today = today
        self.entry = entry
        self.category: _CategoryLexicon | None = None

    # ── helpers

    def free(self, index: int) -> bool:
        return self.state[index] == _FREE

    def text(self, start: int, end: int) -> str:
        return " ".join(t.raw for t in self.tokens[start:end])

    def use(self, start: int, end: int, state: int = _USED) -> None:
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
        current = self.entry.fields.get(code)
        if current is None:
            self.entry.fields[code] = value
        elif current != value:
            self.problem("conflict", start, end)

    # ── the passes

    def read(self) -> None:
        self.word_dates()
        self.choose_category()
        self.numeric_dates()
        self.period_fields()
        self.numbers_with_units()
        self.keywords()
        self.leftovers()

    def record_date(self, text: str, start: int, end: int) -> None:
        try:
            day = parse_day(text, today=self.today)
        except NumberError as error:
            self.problem(error.reason, start, end)
        else:
            self.set_once("action_date", day, start, end)
        self.use(start, end)

    def word_dates(self) -> None:
        """"hôm qua", "yesterday", "ngày 15 tháng 6 năm 2025": before categories, because "qua"
        alone is a gift keyword (quà) and must not be read from "hôm qua"."""
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            folded = [t.folded for t in tokens[index : index + 2]]
            if folded[:2] in (["hom", "nay"], ["hom", "qua"], ["hom", "kia"], ["bua", "nay"], ["bua", "qua"]):
                self.record_date(" ".join(folded), index, index + 2)
                index += 2
                continue
            if folded[:1] in (["today"], ["yesterday"]):
                self.record_date(folded[0], index, index + 1)
                index += 1
                continue
            start = index + 1 if folded[:1] == ["ngay"] else index
            end = self._day_month_year(start)
            if end is not None:
                self.record_date(" ".join(t.folded for t in tokens[start:end]), index, end)
                index = end
                continue
            index += 1

    def _day_month_year(self, start: int) -> int | None:
        """End of "15 tháng 6 [năm 2025]" starting at `start`, or None."""
        tokens = self.tokens

        def small_number(index: int, limit: int) -> bool:
            return (
                index < len(tokens)
                and tokens[index].kind == "num"
                and re.fullmatch(r"[0-9]{1,2}", tokens[index].norm) is not None
                and 1 <= int(tokens[index].norm) <= limit
            )

        if not (small_number(start, 31) and start + 2 < len(tokens) and tokens[start + 1].folded == "thang"):
            return None
        if not small_number(start + 2, 12):
            return None
        end = start + 3
        if end + 1 < len(tokens) and tokens[end].folded == "nam" and re.fullmatch(r"[0-9]{4}", tokens[end + 1].norm):
            end += 2
        return end

    def choose_category(self) -> None:
        """The category whose keywords, choices and units explain the most words of the line.

        "vay 20 học sinh sinh viên" is a loan (vay + the purpose "học sinh sinh viên"), not education
        (only "học sinh"); ties go to the keyword typed first, as officers start with the category.
        Without any category keyword, a quantity unit that only one category uses decides ("50 thẻ").
        """
        best: tuple[tuple[int, int, int, int], _CategoryLexicon] | None = None
        for category in self.lexicon.categories:
            hits = self._hits(category.keywords)
            if not hits:
                continue
            covered = {i for start, end in hits for i in range(start, end)}
            covered |= {i for start, end in self._hits(category.choices) for i in range(start, end)}
            covered |= self._unit_tokens(category)
            first = min(start for start, _ in hits)
            longest = max(end - start for start, end in hits)
            key = (len(covered), -first, longest, -category.sort)
            if best is None or key > best[0]:
                best = (key, category)
        if best is None:
            by_unit = [c for c in self.lexicon.categories if self._unit_tokens(c, quantity_only=True)]
            if len(by_unit) == 1:
                best = ((0, 0, 0, 0), by_unit[0])
        if best is not None:
            self.category = best[1]
            self.entry.category = best[1].spec.code

    def _hits(self, index: _Index) -> list[tuple[int, int]]:
        hits: list[tuple[int, int]] = []
        for start in range(len(self.tokens)):
            if self.free(start):
                hits += [(start, end) for end, _ in index.at(self.tokens, start, self.free)]
        return hits

    def _unit_tokens(self, category: _CategoryLexicon, *, quantity_only: bool = False) -> set[int]:
        """Tokens that are a unit of this category right after a number ("45 hộ", "5410kg")."""
        covered: set[int] = set()
        for index, token in enumerate(self.tokens):
            if token.kind != "num" or not self.free(index):
                continue
            for end, meaning, _ in self._units_after(index, category.units):
                if quantity_only and meaning.role != "quantity":
                    continue
                covered |= set(range(index, end))
        return covered

    def numeric_dates(self) -> None:
        """"15/6", "ngày 15/6/2025", "15.6.2025" → action_date, unless the category reads the token
        as a choice ("quà 17/10" is the Day for the Poor, not a date)."""
        for index, token in enumerate(self.tokens):
            if token.kind != "date" or not self.free(index):
                continue
            if self.category is not None and self.category.choices.at(self.tokens, index, self.free):
                continue
            after_ngay = index > 0 and self.free(index - 1) and self.tokens[index - 1].folded == "ngay"
            start = index - 1 if after_ngay else index
            self.record_date(token.norm, start, index + 1)

    def period_fields(self) -> None:
        """"quý 3" / "q3" / "quý III" for a quarter field, "tháng 6" for a month field."""
        if self.category is None:
            return
        kinds = {f.kind: f.code for f in self.category.spec.fields if f.kind in ("quarter", "month")}
        if not kinds:
            return
        tokens = self.tokens
        for index in range(len(tokens) - 1):
            if not (self.free(index) and self.free(index + 1)):
                continue
            word, number = tokens[index], tokens[index + 1]
            value: int | None = None
            if number.kind == "num" and re.fullmatch(r"[0-9]{1,2}", number.norm):
                value = int(number.norm)
            elif number.folded in _ROMAN:
                value = _ROMAN[number.folded]
            if value is None:
                continue
            if "quarter" in kinds and word.norm in _QUARTER_WORDS and 1 <= value <= 4:
                self.set_field(kinds["quarter"], str(value), index, index + 2)
                self.use(index, index + 2)
            elif "month" in kinds and word.norm in _MONTH_WORDS and 1 <= value <= 12:
                self.set_field(kinds["month"], str(value), index, index + 2)
                self.use(index, index + 2)

    def _unit_index(self) -> _Index:
        return self.category.units if self.category is not None else self.lexicon.any_units

    def _units_after(self, index: int, units: _Index) -> list[tuple[int, _Meaning, str]]:
        """Units of the number at `index`: (end, meaning, number text), best first.

        The unit may be glued on ("5410kg", "45hộ") or follow as one or more words ("ngày công").
        """
        token = self.tokens[index]
        parts = _NUM_PARTS.fullmatch(token.norm)
        if parts is None:
            return []
        letters = parts.group("letters")
        if letters:
            if parts.group("digits"):
                return []
            glued = _Token(letters, letters, fold(letters), "word")
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

    def numbers_with_units(self) -> None:
        """Every number followed by (or glued to) a unit word becomes a measure."""
        index = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.kind != "num" or not self.free(index):
                index += 1
                continue
            parts = _NUM_PARTS.fullmatch(token.norm)
            if parts is not None and parts.group("letters") and fold(parts.group("letters")) in MONEY_MULTIPLIERS:
                index = self._money(index, index + 1, MONEY_MULTIPLIERS[fold(parts.group("letters"))], tail=False)
                continue
            found = self._units_after(index, self._unit_index())
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
            index = end

    def _money(self, start: int, end: int, multiplier: int, *, tail: bool) -> int:
        """Read money from `start`, extending over "… 200 triệu" (smaller units), a bare tail
        ("2 triệu 500", only after a separate word without "đồng") and a trailing "đồng"/"đ";
        returns where reading continues."""
        last_multiplier = multiplier
        tail_allowed = tail and multiplier >= 1_000_000
        while end < len(self.tokens) and self.tokens[end].kind == "num" and self.free(end):
            parts = _NUM_PARTS.fullmatch(self.tokens[end].norm)
            if parts is None:
                break
            letters = fold(parts.group("letters"))
            if letters:
                next_multiplier = MONEY_MULTIPLIERS.get(letters)
                if next_multiplier is None or next_multiplier >= last_multiplier:
                    break
                last_multiplier, end, tail_allowed = next_multiplier, end + 1, False
                continue
            found = self._units_after(end, self._unit_index())
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
            self.state[index] = _USED if self.tokens[index].kind == "num" else _UNIT
        return end

    def _measure(self, meaning: _Meaning, number: str, start: int, end: int) -> None:
        try:
            if meaning.role == "quantity":
                amount, _ = parse_quantity(number)
                amount = clean_decimal(amount * meaning.factor)
                if amount > QUANTITY_MAX:
                    raise NumberError("too_large", number)
                self._assign("quantity", amount, meaning.code or None, start, end)
            else:
                self._assign(meaning.role, parse_count(number), None, start, end)
        except NumberError as error:
            self.problem(error.reason, start, end)
        self.use(start, start + 1)
        self.use(start + 1, end, _UNIT)

    def _assign(self, role: str, value: object, unit: str | None, start: int, end: int) -> None:
        measure_code = "value" if role == "money" else role
        if self.category is not None and self.category.spec.measure(measure_code) is None:
            self.problem("unexpected_measure", start, end)
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
        candidates: dict[tuple[int, int], list[_Meaning]] = {}
        for start in range(len(self.tokens)):
            if self.state[start] == _USED:
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
            if start in organisation_ends and tuple(t.folded for t in self.tokens[start:end]) in _ADMIN_WORDS:
                self.use(start, end)  # the "xã" of "hội phụ nữ xã"
                continue
            if any(m.role == "organisation" for m in meanings):
                organisation_ends.add(end)
            self._apply(meanings, start, end)
            if self.category is not None and any(m.role == "category" for m in meanings):
                self._choices_inside(start, end)
            self.use(start, end)
        for start in organisation_ends:  # level words that are not keywords themselves ("thị trấn")
            for words in _ADMIN_WORDS:
                end = start + len(words)
                if all(self.free(i) for i in range(start, min(end, len(self.tokens)))) and end <= len(self.tokens) \
                        and tuple(t.folded for t in self.tokens[start:end]) == words:
                    self.use(start, end)

    def _choices_inside(self, start: int, end: int) -> None:
        """Choices spelled inside a category keyword count too: "quà tết" is gift *and* Tết.

        Only choices: the "đoàn" inside "nhà đại đoàn kết" is not the Youth Union.
        """
        assert self.category is not None
        inside: dict[tuple[int, int], list[_Meaning]] = {}
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
        return lambda i: self.state[i] != _USED and (self.state[i] == _FREE or all(
            self.state[j] == _UNIT for j in range(start, i + 1)
        ))

    def _span_allowed(self, start: int, end: int) -> bool:
        """All tokens free, or unit tokens at the start followed by at least one free token."""
        states = self.state[start:end]
        if _USED in states:
            return False
        first_free = next((i for i, s in enumerate(states) if s == _FREE), None)
        return first_free is not None and all(s == _FREE for s in states[first_free:])

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

    def _apply(self, meanings: list[_Meaning], start: int, end: int) -> None:
        fields = [m for m in meanings if m.role == "field"]
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
        if _GROUPED.fullmatch(digits) or (re.fullmatch(r"[0-9]+", digits) and Decimal(digits) >= BARE_MONEY_MIN):
            try:
                value = parse_money(digits)
            except NumberError as error:
                self.problem(error.reason, index, index + 1)
            else:
                self._assign("money", value, None, index, index + 1)
            return
        self.problem("ambiguous_number", index, index + 1)
