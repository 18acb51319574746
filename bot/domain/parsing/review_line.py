"""One line of the poverty review's figures, as an officer types it:
"rà soát 2026: 1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 23, phát sinh 4".

Kept apart from the support-entry reader (bot/domain/parsing/entry_reader.py): a review line is not a
support action, and quick entry only needs `looks_like_review` to hand the line over. Counts are read by
the one number grammar (`parse_count`, so "1.240" is 1240); each figure's name may come before its
number ("nghèo 96") or after it ("23 hộ thoát nghèo"), with or without diacritics; parts are separated
by commas or semicolons. Nothing is guessed: a part whose name is not known, or a number that cannot be
read, is reported back so the officer can correct it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.numbers import parse_count
from bot.domain.parsing.text import fold

_HEAD = re.compile(r"^\s*(?:/review(?:@\w+)?\s*)?(?:ra\s+soat|review)\b\s*(?P<rest>.*)$", re.S)
_CODE = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)(?![\w-])")
_YEAR = re.compile(r"^(?:nam\s+)?(?P<year>20[0-9]{2})\b\s*[:\-]?\s*")
_NUMBER = re.compile(r"[0-9][0-9.,]*[0-9]|[0-9]")
_SPLIT = re.compile(r";|\n|,(?![0-9])")
STAGE_WORDS = (("quy 1", "q1"), ("quy i", "q1"), ("q1", "q1"), ("6 thang", "h1"), ("giua nam", "h1"),
               ("mid-year", "h1"), ("mid year", "h1"), ("quy 3", "q3"), ("quy iii", "q3"), ("9 thang", "q3"),
               ("q3", "q3"))
FILLER = {"ho", "so", "la", "co", "con", "nhan", "gom", "trong", "do", "households", "household", "of", "and",
          "va", "=", ":", "-"}
LABELS: dict[str, str] = {
    "": "total_households", "tong": "total_households", "tong cong": "total_households", "total": "total_households",
    "dan cu": "total_households",
    "ngheo": "poor", "poor": "poor", "ngheo cuoi nam": "poor",
    "can ngheo": "near_poor", "near poor": "near_poor", "can ngheo cuoi nam": "near_poor",
    "thoat ngheo": "escaped", "escaped": "escaped", "escaped poverty": "escaped",
    "tai ngheo": "fell_back", "fell back": "fell_back", "fell back into poverty": "fell_back",
    "phat sinh": "new_poor", "ngheo phat sinh": "new_poor", "phat sinh moi": "new_poor",
    "ngheo phat sinh moi": "new_poor", "ngheo moi": "new_poor", "new": "new_poor", "new poor": "new_poor",
    "newly poor": "new_poor",
    "thoat can ngheo": "escaped_near", "escaped near poor": "escaped_near", "escaped near poverty": "escaped_near",
    "dau nam": "total_start", "tong dau nam": "total_start", "total start": "total_start",
    "ngheo dau nam": "poor_start", "dau nam ngheo": "poor_start", "poor start": "poor_start",
    "ngheo dau ky": "poor_start",
    "can ngheo dau nam": "near_poor_start", "dau nam can ngheo": "near_poor_start",
    "near poor start": "near_poor_start",
    "khau ngheo": "poor_persons", "nguoi ngheo": "poor_persons", "poor persons": "poor_persons",
    "khau can ngheo": "near_poor_persons", "nguoi can ngheo": "near_poor_persons",
    "near poor persons": "near_poor_persons",
}
"""Folded names of the figures (filler words such as "hộ", "số" removed first)."""


@dataclass
class ReviewLine:
    """What a review line said. `problems` are (reason, the text concerned): "unknown", "number", "twice"."""

    year: int | None = None
    stage: str = "year"
    unit_code: str | None = None
    figures: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


def looks_like_review(text: str) -> bool:
    """A line that starts with "rà soát" (or "review") and carries at least one number."""
    return bool(_HEAD.match(fold(text[:400]))) and bool(re.search(r"[0-9]", text))


def _label(words: str) -> str:
    kept = [w for w in re.split(r"[\s\-:=]+", words) if w and w not in FILLER]
    return " ".join(kept)


def _number(text: str) -> int:
    return 0 if text.strip() == "0" else parse_count(text)


def _folded_in_place(text: str) -> tuple[str, str]:
    """(the text in NFC, its fold character by character): equal lengths, so a part found in the folded
    text can be shown as the officer typed it ("bò 3", not "bo 3"). When a character folds to more than
    one (rare: "ß"), the folded text stands for both."""
    original = unicodedata.normalize("NFC", text)
    folded = "".join(" " if c.isspace() else (fold(c) or " ") for c in original)
    return (original, folded) if len(folded) == len(original) else (folded, folded)


def parse_review_line(text: str) -> ReviewLine:
    """Read a review line (see the module notes); never raises."""
    result = ReviewLine()
    code = _CODE.search(text)
    if code is not None:
        result.unit_code = code.group(1)
        text = text[:code.start()] + " " + text[code.end():]
    original, folded = _folded_in_place(text)
    head = _HEAD.match(folded)
    start = head.start("rest") if head else 0
    rest, shown = folded[start:], original[start:]
    for words, stage in STAGE_WORDS:
        said = re.match(re.escape(words).replace(r"\ ", r"\s+") + r"\b[\s,:\-]*", rest)
        if said is not None:
            result.stage, rest, shown = stage, rest[said.end():], shown[said.end():]
            break
    year = _YEAR.match(rest)
    if year is not None:
        result.year, rest, shown = int(year.group("year")), rest[year.end():], shown[year.end():]
    position = 0
    for match in [*_SPLIT.finditer(rest), None]:
        end = match.start() if match is not None else len(rest)
        _read_part(result, rest[position:end], shown[position:end])
        position = match.end() if match is not None else end
    return result


def _read_part(result: ReviewLine, part: str, shown: str) -> None:
    numbers = list(_NUMBER.finditer(part))
    if not numbers:
        if _label(part.strip(" .:")):
            result.problems.append(("unknown", shown.strip(" .:")))
        return
    starts_with_number = not _label(part[:numbers[0].start()])
    previous_end = 0
    for index, match in enumerate(numbers):
        following = numbers[index + 1].start() if index + 1 < len(numbers) else len(part)
        words = part[match.end():following] if starts_with_number else part[previous_end:match.start()]
        previous_end = match.end()
        name = LABELS.get(_label(words))
        if name is None:
            result.problems.append(("unknown", shown.strip(" .:")))
            return
        try:
            value = _number(match.group())
        except NumberError:
            result.problems.append(("number", match.group()))
            continue
        if name in result.figures and result.figures[name] != value:
            result.problems.append(("twice", shown.strip(" .:")))
            continue
        result.figures[name] = value


OUTCOME_WORDS = ("ty le ho ngheo", "ty le ngheo", "ty le ho can ngheo", "ty le can ngheo", "thoat ngheo",
                 "tai ngheo", "ngheo phat sinh", "ho ngheo phat sinh", "giam ngheo", "ket qua giam ngheo",
                 "poverty rate", "escaped poverty", "fell back into poverty", "newly poor", "poverty reduction")
QUESTION_MARKS = ("?", "bao nhieu", "ty le", "how many", "what", "the nao", "rate", "ket qua")


def looks_like_outcome_question(text: str) -> bool:
    """"tỷ lệ hộ nghèo?", "bao nhiêu hộ thoát nghèo năm nay?", "poverty rate": a question about the review's
    outcome, not about support given (a review line itself starts with "rà soát")."""
    folded = fold(text[:300])
    return (not _HEAD.match(folded) and any(word in folded for word in OUTCOME_WORDS)
            and any(mark in folded for mark in QUESTION_MARKS))


def asked_year(text: str, *, this_year: int) -> int:
    """The year a question asks about: "năm nay" (default), "năm ngoái"/"năm trước", or "2025"."""
    folded = fold(text[:300])
    explicit = re.search(r"\b(20[0-9]{2})\b", folded)
    if explicit:
        return int(explicit.group(1))
    if any(word in folded for word in ("nam ngoai", "nam truoc", "last year")):
        return this_year - 1
    return this_year


_TARGET = re.compile(r"\bgiam\b(?:\s+(?:ty le|tl)(?:\s+ho)?\s+ngheo)?(?:\s+(?:so\s+)?ho\s+ngheo)?\s*"
                     r"(?P<number>[0-9][0-9.,]*)\s*(?P<unit>%|diem|ho\b)")


@dataclass(frozen=True)
class TargetWords:
    """A poverty target as typed after /target: "giảm 3%", "giảm tỷ lệ hộ nghèo 3,68%", "giảm 564 hộ"."""

    kind: str  # "rate" (percentage points) or "households"
    value: str  # the number as typed ("3,68"); read by the caller with the number grammar
    year: int | None
    before: str  # the text before "giảm" (the unit, in the original spelling)


def parse_target(text: str) -> TargetWords | None:
    folded = fold(text)
    match = _TARGET.search(folded)
    if match is None:
        return None
    kind = "households" if match.group("unit") == "ho" else "rate"
    year = re.search(r"\b(20[0-9]{2})\b", folded[:match.start()] + " " + folded[match.end():])
    before = text[:len(folded[:match.start()])] if len(folded) == len(text) else folded[:match.start()]
    before = re.sub(r"\b(?:nam|năm)\s*20[0-9]{2}\b|\b20[0-9]{2}\b", " ", before).strip(" ,:")
    return TargetWords(kind=kind, value=match.group("number").rstrip(".,"), year=int(year.group(1)) if year else None,
                       before=before)
