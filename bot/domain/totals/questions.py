"""Plain questions about totals: "tổng gạo quý này", "bao nhiêu hộ được vay vốn năm nay",
"xã Ia Rsai tháng trước", "tong qua 6 thang dau nam" — with or without diacritics.

Officials ask the way they talk, so the text is folded (`bot.domain.parsing.text.fold`) and read in a fixed
order, each part removed once recognised so that its words cannot be misread later: first the period
("tháng qua" must not become "quà"), then units ("xã Ia Rsai": "xã" must not become the commune
People's Committee), then categories and organisations from the catalogue's keywords.

`looks_like_question` is deliberately cheap and lexical (no database): it decides, before quick entry
sees the text, whether a line is a question rather than a support entry.

`parse_range` reads the reply to "📅 Other dates" under /totals with the same date grammar as the
questions ("từ 1/7/2026 đến nay", "1/7 - 23/11"), but strictly: the whole reply must be a range, and
one that ends in the future, ends before it starts or is absurdly long is refused with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.formatting import format_day
from bot.domain.parsing import dates
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.matcher import CatalogueMatcher, longest, matcher_for, without
from bot.domain.parsing.quick_entry import parse_quick_entry
from bot.domain.parsing.segments import split_actions
from bot.domain.parsing.text import fold
from bot.domain.periods.calendar import Period
from bot.i18n import Translator
from db.models import Unit

STRONG_QUESTION_WORDS = ("bao nhieu", "may ho", "may nguoi", "may khau", "may suat", "may can", "how many",
                         "how much", "what is the total", "la bao nhieu", "duoc bao nhieu")
"""Words only a question uses: a line with them asks, whatever figures it carries."""
QUESTION_WORDS = ("tong", "tong hop", "tong cong", "bao nhieu", "thong ke", "so lieu", "how many", "how much",
                  "total", "totals")
UNIT_KIND_WORDS = ("thi tran", "phuong", "xa", "huyen", "thi xa", "thanh pho", "tinh", "thon", "ban", "buon",
                   "dac khu", "commune", "district", "town", "ward", "province", "village", "special zone")
METRIC_WORDS = {"households": ("bao nhieu ho", "may ho", "so ho", "how many households"),
                "persons": ("bao nhieu khau", "bao nhieu nguoi", "so khau", "how many people")}
MAX_RANGE_YEARS = 5
"""A national target programme runs five years (2021–2025), so its final review ("tổng kết") is the
longest range anyone reports on; a longer one is a typo (1/7/2006 for 1/7/2026)."""


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


class RangeError(ValueError):
    """A typed range that cannot be used; `reason` is machine-readable, for a translated reply.

    Reasons: "unreadable" (not a range at all), "not_a_date" (31/2), "future", "end_before_start",
    "too_long". `text` is the offending part as typed ("31/2/2026"), so the reply can quote it.
    """

    def __init__(self, reason: str, text: str = "") -> None:
        super().__init__(f"{reason}: {text!r}" if text else reason)
        self.reason = reason
        self.text = text


def range_between(start: str, end: str | None, *, today: date, strict: bool) -> Period:
    """The range from `start` to `end`, read by the one date grammar (`bot.domain.parsing.dates.range_between`)."""
    try:
        span = dates.range_between(start, end, today=today, strict=strict)
    except NumberError as error:
        raise RangeError(error.reason, error.text) from error
    return Period(span.kind, span.start, span.end)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def parse_range(text: str, *, today: date) -> Period:
    """The period typed in reply to "📅 Other dates": "01/07/2026 - 23/11/2026", "1/7/2026 đến
    23/11/2026", "từ 1/7/2026", "từ 01/07/2026 đến nay", "1/7 - 23/11", with or without diacritics.

    A lone day ("1/7/2026", "từ 1/7/2026") runs up to today: the official asks for the figures "since"
    a date. A named period typed instead ("quý III/2025", "năm 2024") is accepted too, read by
    `find_period` like a question. Raises RangeError with the reason the reply cannot be used.
    """
    folded = fold(text).replace("–", "-").replace("—", "-").rstrip(" .,;!?")
    match = dates.RANGE_REPLY.fullmatch(folded)
    if match is not None:
        period = range_between(match["start"], match["end"], today=today, strict=True)
    else:
        named, rest = find_period(folded, today=today)
        if named is None or rest:
            raise RangeError("unreadable", text.strip())
        if named.start > today:
            raise RangeError("future", text.strip())
        period = named
    if period.end >= _years_later(period.start, MAX_RANGE_YEARS):
        raise RangeError("too_long", text.strip())
    return period


def _typed(day: date, *, year: bool = True) -> str:
    """A day the way officials type it (1/7/2026), whatever the locale: the form `parse_range` reads."""
    return f"{day.day}/{day.month}/{day.year}" if year else f"{day.day}/{day.month}"


def range_examples(t: Translator, *, today: date) -> str:
    """Three ranges that all work when typed today, as bullet lines in the user's language.

    Built from today (from the first day of the month three months ago), so every example is a valid
    range whenever it is shown, even in January, and an official can copy one and edit it.
    """
    start = (today - timedelta(days=90)).replace(day=1)
    return "\n".join(f"• {line}" for line in (
        f"{_typed(start)} - {_typed(today)}",
        t("from {start} to today").format(start=_typed(start)),
        f"{_typed(start, year=False)} - {_typed(today, year=False)}"))


def range_problem(t: Translator, error: RangeError, *, today: date) -> str:
    """Why a typed range cannot be used, in the user's language and quoting what they typed."""
    text = error.text[:60]
    if error.reason == "not_a_date":
        return t("“{text}” is not a valid date.").format(text=text)
    if error.reason == "future":
        return t("“{text}” is after today ({today}): a period can end today at the latest.").format(
            text=text, today=format_day(today, t.locale))
    if error.reason == "end_before_start":
        return t("The period ends on “{text}”, before it starts.").format(text=text)
    if error.reason == "too_long":
        return t("The period is longer than {years} years; please choose a shorter one.").format(
            years=MAX_RANGE_YEARS)
    return t("Sorry, I could not read “{text}” as dates.").format(text=text)


def find_period(folded: str, *, today: date) -> tuple[Period | None, str]:
    """The period a (folded) question names and the text without it (`bot.domain.parsing.dates.find_period`)."""
    span, rest = dates.find_period(folded, today=today)
    return (Period(span.kind, span.start, span.end) if span is not None else None), rest


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


ENTRY, QUESTION, AMBIGUOUS = "entry", "question", "ambiguous"


def line_kind(text: str, *, catalogue: CatalogueFile, today: date) -> str:
    """Whether a typed line records support (ENTRY), asks about totals (QUESTION), or could be either
    (AMBIGUOUS: the bot asks with two buttons and keeps the line).

    Decided by the whole line, not by one word: "quà tết 50 suất, tổng 10tr" and "cho 35 hộ vay với tổng
    số tiền 1,75 tỷ" are entries (figures with units that fit a category), although "tổng" also starts
    questions. "bao nhiêu", "mấy hộ", "how many" only ever ask. A "?" after a whole entry, or a question word
    beside figures that fit no category, is ambiguous.
    """
    if not looks_like_question(text, today=today):
        return ENTRY
    folded = fold(text)
    if any(_words_in(folded, word) for word in STRONG_QUESTION_WORDS):
        return QUESTION
    parsed = parse_quick_entry(text, catalogue, today=today)
    figures = [v for v in (parsed.households, parsed.persons, parsed.quantity, parsed.value_dong) if v is not None]
    if not figures and parsed.total_choice is None:
        return QUESTION
    if parsed.category is None or "?" in text:
        if "?" not in text and split_actions(text[:4096], catalogue, today=today) is not None:
            return ENTRY  # "xây mới 6 căn, sửa chữa 2 căn, tổng kinh phí 400 triệu": two actions, not a question
        return AMBIGUOUS
    return ENTRY


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
    matcher = matcher_for(catalogue)
    rest = _match_units(question, rest, units, _phrase_spans(rest, matcher))
    for word in sorted(QUESTION_WORDS, key=len, reverse=True):
        while _words_in(rest, word):
            rest = _remove(rest, word)
    rest = _match_catalogue(question, rest, matcher)
    question.leftover = rest
    return question


def _phrase_spans(rest: str, matcher: CatalogueMatcher) -> list[tuple[int, int]]:
    """Where multi-word catalogue phrases sit in the text: a unit kind word inside one ("bản" in "ủy
    ban nhân dân", "xã" in "ủy ban xã") is part of the name of an organisation, not a unit."""
    spans: list[tuple[int, int]] = []
    for phrase in matcher.find(rest, matcher.named):
        if phrase.end - phrase.start > 1:
            spans += [m.span() for m in re.finditer(rf"(?<![\w/]){re.escape(fold(phrase.text))}(?![\w/])", rest)]
    return spans


def _match_units(question: Question, rest: str, units: Sequence[Unit], protected: list[tuple[int, int]]) -> str:
    """Full unit names first ("ia rsai"); else the word after a kind word as a prefix ("xã chư")."""
    names = sorted(((fold(u.name), u) for u in units), key=lambda pair: len(pair[0]), reverse=True)
    for name, unit in names:
        if name and _words_in(rest, name):
            question.units.append(unit)
            question.unit_named = True
            rest = _remove(rest, name)
            protected = []  # positions moved; a named unit leaves no kind word to doubt
            break

    def free(match: re.Match[str]) -> bool:
        return not any(start <= match.start() < end for start, end in protected)

    kinds = "|".join(re.escape(k) for k in sorted(UNIT_KIND_WORDS, key=len, reverse=True))
    if not question.units:
        match = next((m for m in re.finditer(rf"\b(?:{kinds}) (\w+)", rest) if free(m)), None)
        if match:
            question.unit_named = True
            prefix = match.group(1)
            question.units = [u for name, u in names if name.startswith(prefix) or f" {prefix}" in f" {name}"]
            rest = " ".join((rest[:match.start()] + " " + rest[match.end():]).split())
    if question.units:
        rest = " ".join(re.sub(rf"\b(?:{kinds})\b", " ", rest).split())
    return rest


def _match_catalogue(question: Question, rest: str, matcher: CatalogueMatcher) -> str:
    """Categories and the organisation the text names, read together by the one matcher so the longest
    phrase wins across both ("nhà hảo tâm" is donors, not housing + a stray word). Several categories
    are asked about with buttons; of several organisations the longest phrase is taken."""
    found = matcher.find(rest, matcher.named)
    for phrase in sorted(found, key=lambda f: (f.start - f.end, f.start)):
        for meaning in phrase.meanings:
            if meaning.role == "category" and meaning.code not in question.categories:
                question.categories.append(meaning.code)
    organisation = longest([f for f in found if any(m.role == "organisation" for m in f.meanings)])
    if organisation is not None:
        question.organisation = next(m.code for m in organisation.meanings if m.role == "organisation")
    return without(rest, found)
