"""The quick-entry passes that read days and periods: "hôm qua", "15 tháng 6 năm 2025", "15/6", "quý 3".

Split from `bot.domain.parsing.entry_reader` (the passes run in the order listed there); days themselves are
read by the one date grammar, `bot.domain.parsing.dates`.
"""

from __future__ import annotations

import re

from bot.domain.parsing.dates import MONTH_WORDS, QUARTER_WORDS, RELATIVE_DAYS, ROMAN_QUARTERS, parse_day
from bot.domain.parsing.entry_line import Line
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.tokens import Token


def record_date(reader: Line, text: str, start: int, end: int) -> None:
    try:
        day = parse_day(text, today=reader.today)
    except NumberError as error:
        reader.problem(error.reason, start, end)
    else:
        reader.set_once("action_date", day, start, end)
    reader.use(start, end)


def word_dates(reader: Line) -> None:
    """"hôm qua", "yesterday", "ngày 15 tháng 6 năm 2025": before categories, because "qua"
    alone is a gift keyword (quà) and must not be read from "hôm qua"."""
    tokens = reader.tokens
    index = 0
    while index < len(tokens):
        folded = [t.folded for t in tokens[index : index + 2]]
        if len(folded) == 2 and " ".join(folded) in RELATIVE_DAYS:
            record_date(reader, " ".join(folded), index, index + 2)
            index += 2
            continue
        if folded[:1] in (["today"], ["yesterday"]):
            record_date(reader, folded[0], index, index + 1)
            index += 1
            continue
        start = index + 1 if folded[:1] == ["ngay"] else index
        end = _day_month_year(reader, start)
        if end is not None:
            record_date(reader, " ".join(t.folded for t in tokens[start:end]), index, end)
            index = end
            continue
        index += 1


def _day_month_year(reader: Line, start: int) -> int | None:
    """End of "15 tháng 6 [năm 2025]" starting at `start`, or None."""
    tokens = reader.tokens

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



def numeric_dates(reader: Line) -> None:
    """"15/6", "ngày 15/6/2025", "15.6.2025" → action_date, unless the category reads the token
    as a choice ("quà 17/10" is the Day for the Poor, not a date)."""
    for index, token in enumerate(reader.tokens):
        if token.kind != "date" or not reader.free(index):
            continue
        if reader.category is not None and reader.category.choices.at(reader.tokens, index, reader.free):
            continue
        after_ngay = index > 0 and reader.free(index - 1) and reader.tokens[index - 1].folded == "ngay"
        start = index - 1 if after_ngay else index
        record_date(reader, token.norm, start, index + 1)


def period_fields(reader: Line) -> None:
    """"quý 3" / "q3" / "quý III" for a quarter field, "tháng 6" for a month field."""
    fields = reader.category.spec.fields if reader.category is not None else ()
    kinds = {f.kind: f.code for f in fields if f.kind in ("quarter", "month")}
    tokens = reader.tokens
    for index in range(len(tokens) - 1):
        if not (reader.free(index) and reader.free(index + 1)):
            continue
        word, number = tokens[index], tokens[index + 1]
        if number.raw == "%" and word.kind == "num":  # "100% hộ nghèo", "đạt 95% kế hoạch"
            reader.entry.unknown.append(reader.text(index, index + 2))
            reader.use(index, index + 2)
            continue
        if word.folded in _YEAR_BEFORE and number.kind == "num" and re.fullmatch(r"20[0-9]{2}", number.norm) \
                and not reader.units_after(index + 1, reader.unit_index()):
            reader.entry.unknown.append(reader.text(index, index + 2))  # "quà tết 2026", "Bính Ngọ 2026"
            reader.use(index, index + 2)
            continue
        if (_place(word) or word.folded in _ROUNDS) and number.kind == "num" \
                and re.fullmatch(r"[0-9]{1,3}", number.norm):
            reader.entry.unknown.append(reader.text(index, index + 2))  # "thôn 3", "tổ 5": a place, not a figure
            reader.use(index, index + 2)
            continue
        if _year_or_duration(word.folded, number.folded) or _year_or_duration(word.folded, number.folded, after=True):
            # "năm 2025", "thời hạn 36 tháng": context, not a figure; kept as words
            reader.entry.unknown.append(reader.text(index, index + 2))
            reader.use(index, index + 2)
            continue
        value: int | None = None
        if number.kind == "num" and re.fullmatch(r"[0-9]{1,2}", number.norm):
            value = int(number.norm)
        elif number.folded in ROMAN_QUARTERS:
            value = ROMAN_QUARTERS[number.folded]
        if value is None:
            continue
        if "quarter" in kinds and word.norm in QUARTER_WORDS and 1 <= value <= 4:
            reader.set_field(kinds["quarter"], str(value), index, index + 2)
            reader.use(index, index + 2)
        elif "month" in kinds and word.norm in MONTH_WORDS and 1 <= value <= 12:
            reader.set_field(kinds["month"], str(value), index, index + 2)
            reader.use(index, index + 2)
        elif (word.folded in ("thang", "quy") or word.norm in QUARTER_WORDS) and number.kind == "num" \
                and 1 <= value <= (4 if word.folded != "thang" else 12) \
                and not reader.units_after(index + 1, reader.unit_index()):
            # "gạo tháng 6 45 hộ": a month the category does not record is not a figure; kept as a word
            reader.entry.unknown.append(reader.text(index, index + 2))
            reader.use(index, index + 2)



def _year_or_duration(first: str, second: str, *, after: bool = False) -> bool:
    """"năm 2025" (a year), or with `after` "36 tháng" / "5 năm" (a duration): never a figure of the entry."""
    if after:
        return second in ("thang", "nam", "months", "years") and re.fullmatch(r"[0-9]{1,3}", first) is not None
    return first in ("nam", "year") and re.fullmatch(r"(19|20)[0-9]{2}", second) is not None


_ROUNDS = {"dot", "lan", "round", "phase", "batch"}
"""A round of support ("đợt 2", "lần 1"): its number is not a figure."""
_YEAR_BEFORE = {"tet", "nam", "year", "ty", "suu", "dan", "mao", "thin", "ti", "ngo", "mui", "than", "dau", "tuat",
                "hoi", "giap", "at", "binh", "dinh", "mau", "ky", "canh", "tan", "nham", "quy"}
"""Words a year follows ("tết 2026", "năm 2026", "Bính Ngọ 2026"): the year is not a figure."""
_PLACES = {"thon", "xom", "ap", "buon", "khoi", "khu", "village", "hamlet"}
_PLACES_WITH_MARKS = {"tổ", "bản"}  # folded "to", "ban" are also English "to" and other words


def _place(word: Token) -> bool:
    """A village or neighbourhood word that a number follows as its name ("thôn 3", "tổ 12", "bản 2")."""
    return word.folded in _PLACES or word.norm in _PLACES_WITH_MARKS
