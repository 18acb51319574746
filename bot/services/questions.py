"""Plain questions about totals: "tổng gạo quý này", "bao nhiêu hộ được vay vốn năm nay",
"xã Ia Rsai tháng trước", "tong qua 6 thang dau nam" — with or without diacritics.

Officials ask the way they talk, so the text is folded (`bot.parsing.text.fold`) and read in a fixed
order, each part removed once recognised so that its words cannot be misread later: first the period
("tháng qua" must not become "quà"), then units ("xã Ia Rsai": "xã" must not become the commune
People's Committee), then categories and organisations from the catalogue's keywords.

`looks_like_question` is deliberately cheap and lexical (no database): it decides, before quick entry
sees the text, whether a line is a question rather than a support entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.catalogue_file import CatalogueFile
from bot.parsing.text import fold
from bot.services.periods import Period, custom, first_half, half_of, month_of, quarter_of, relative, year_of
from db.models import Unit

QUESTION_WORDS = ("tong", "tong hop", "tong cong", "bao nhieu", "thong ke", "so lieu", "how many", "how much",
                  "total", "totals")
UNIT_KIND_WORDS = ("thi tran", "phuong", "xa", "huyen", "thi xa", "thanh pho", "tinh", "thon", "ban", "buon",
                   "commune", "district", "town", "ward", "province", "village")
METRIC_WORDS = {"households": ("bao nhieu ho", "may ho", "so ho", "how many households"),
                "persons": ("bao nhieu khau", "bao nhieu nguoi", "so khau", "how many people")}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DAY = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"

# (pattern on folded text, how to build the period from the match and today); first match wins.
_PERIODS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), kind) for p, kind in [
    (rf"\btu (?:ngay )?{_DAY} (?:den|toi|-) (?:ngay )?{_DAY}", "range"),
    (rf"\b(?:tu|ke tu|since) (?:ngay )?{_DAY}", "since"),
    (r"\b6 thang dau nam(?: (\d{4}))?|\bnua dau nam(?: (\d{4}))?|\bfirst (?:half|6 months)(?: of (\d{4}))?",
     "first_half"),
    (r"\b6 thang cuoi nam(?: (\d{4}))?|\bnua cuoi nam(?: (\d{4}))?", "second_half"),
    (r"\bthang (\d{1,2})(?:/(\d{4}))?\b", "month_n"),
    (r"\bquy (iv|iii|ii|i|[1-4])(?:/(\d{4}))?\b", "quarter_n"),
    (r"\bnam (\d{4})\b|\bin (\d{4})\b", "year_n"),
    (r"\bthang nay\b|\bthis month\b", "m0"),
    (r"\bthang truoc\b|\bthang roi\b|\bthang qua\b|\blast month\b", "m-1"),
    (r"\bquy nay\b|\bthis quarter\b", "q0"),
    (r"\bquy truoc\b|\bquy roi\b|\blast quarter\b", "q-1"),
    (r"\bnam nay\b|\bthis year\b", "y0"),
    (r"\bnam truoc\b|\bnam ngoai\b|\bnam roi\b|\blast year\b", "y-1"),
]]


@dataclass
class Question:
    """What a question asked for. Lists with more than one entry are ambiguous (asked with buttons)."""

    text: str
    period: Period | None = None
    categories: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    unit_named: bool = False  # a unit word was typed, even if no unit matched
    organisation: str | None = None
    metric: str | None = None
    leftover: str = ""


def _words_in(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w/]){re.escape(phrase)}(?![\w/])", text) is not None


def _remove(text: str, phrase: str) -> str:
    return " ".join(re.sub(rf"(?<![\w/]){re.escape(phrase)}(?![\w/])", " ", text, count=1).split())


def find_period(folded: str, *, today: date) -> tuple[Period | None, str]:
    """The period a (folded) question names and the text without it."""
    for pattern, kind in _PERIODS:
        match = pattern.search(folded)
        if match is None:
            continue
        period = _build_period(kind, [g for g in match.groups()], today=today)
        if period is not None:
            return period, " ".join((folded[:match.start()] + " " + folded[match.end():]).split())
    return None, folded


def _build_period(kind: str, groups: list[str | None], *, today: date) -> Period | None:
    numbers = [g for g in groups if g is not None]
    try:
        if kind == "range":
            d1, m1, y1, d2, m2, y2 = (int(g) for g in numbers)
            return custom(date(y1, m1, d1), date(y2, m2, d2))
        if kind == "since":
            d1, m1, y1 = (int(g) for g in numbers)
            return custom(date(y1, m1, d1), today)
        if kind == "first_half":
            return half_of(date(int(numbers[0]), 1, 1)) if numbers else first_half(today=today)
        if kind == "second_half":
            return half_of(date(int(numbers[0]) if numbers else today.year, 7, 1))
        if kind == "month_n":
            month = int(numbers[0])
            year = int(numbers[1]) if len(numbers) > 1 else (today.year if month <= today.month else today.year - 1)
            return month_of(date(year, month, 1))
        if kind == "quarter_n":
            quarter = ROMAN[numbers[0]]
            year = int(numbers[1]) if len(numbers) > 1 else today.year
            return quarter_of(date(year, 3 * quarter - 2, 1))
        if kind == "year_n":
            return year_of(date(int(numbers[0]), 1, 1))
    except (ValueError, IndexError, KeyError):
        return None
    letter, offset = kind[0], int(kind[1:])
    return relative({"m": "month", "q": "quarter", "y": "year"}[letter], today=today,  # type: ignore[arg-type]
                    offset=offset)


def looks_like_question(text: str, *, today: date) -> bool:
    """A question word, a question mark, or a period named in a line with no other figures.

    "gạo 45 hộ 5410kg" is an entry (figures, no period); "xã Ia Rsai tháng trước" and "tổng gạo"
    are questions.
    """
    if "?" in text:
        return True
    folded = fold(text)
    if any(_words_in(folded, word) for word in QUESTION_WORDS):
        return True
    period, rest = find_period(folded, today=today)
    return period is not None and not re.search(r"\d", rest)


def parse_question(text: str, *, catalogue: CatalogueFile, units: Sequence[Unit], today: date) -> Question:
    """Read a question against the catalogue and the units the asker may see (their subtree)."""
    folded = fold(text).replace("?", " ")
    question = Question(text=text)
    question.period, rest = find_period(folded, today=today)
    for metric, phrases in METRIC_WORDS.items():
        for phrase in phrases:
            if _words_in(rest, phrase):
                question.metric = metric
                rest = _remove(rest, phrase)
    rest = _match_units(question, rest, units)
    for word in sorted(QUESTION_WORDS, key=len, reverse=True):
        while _words_in(rest, word):
            rest = _remove(rest, word)
    rest = _match_categories(question, rest, catalogue)
    best: tuple[int, str] | None = None
    for organisation in catalogue.organisation:
        for keyword in organisation.keywords:
            folded_kw = fold(keyword)
            if len(folded_kw) > 2 and _words_in(rest, folded_kw) and (best is None or len(folded_kw) > best[0]):
                best = (len(folded_kw), organisation.code)
    if best is not None:
        question.organisation = best[1]
    question.leftover = rest
    return question


def _match_units(question: Question, rest: str, units: Sequence[Unit]) -> str:
    """Full unit names first ("ia rsai"); else the word after a kind word as a prefix ("xã chư")."""
    names = sorted(((fold(u.name), u) for u in units), key=lambda pair: len(pair[0]), reverse=True)
    for name, unit in names:
        if name and _words_in(rest, name):
            question.units.append(unit)
            question.unit_named = True
            rest = _remove(rest, name)
            break
    kinds = "|".join(re.escape(k) for k in sorted(UNIT_KIND_WORDS, key=len, reverse=True))
    if not question.units:
        match = re.search(rf"\b(?:{kinds}) (\w+)", rest)
        if match:
            question.unit_named = True
            prefix = match.group(1)
            question.units = [u for name, u in names if name.startswith(prefix) or f" {prefix}" in f" {name}"]
            rest = " ".join((rest[:match.start()] + " " + rest[match.end():]).split())
    if question.units:
        rest = " ".join(re.sub(rf"\b(?:{kinds})\b", " ", rest).split())
    return rest


def _match_categories(question: Question, rest: str, catalogue: CatalogueFile) -> str:
    """Every category one of whose keywords is in the text; the longest keyword wins a tie of words."""
    found: list[tuple[int, str, str]] = []
    for spec in catalogue.category:
        for keyword in (*spec.keywords, spec.name_vi, spec.name_en):
            folded_kw = fold(keyword)
            if _words_in(rest, folded_kw):
                found.append((len(folded_kw), spec.code, folded_kw))
    found.sort(reverse=True)
    for _, code, keyword in found:
        if _words_in(rest, keyword):
            rest = _remove(rest, keyword)
            if code not in question.categories:
                question.categories.append(code)
    return rest
