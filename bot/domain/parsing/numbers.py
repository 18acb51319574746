"""Vietnamese amounts, quantities, counts and dates as officers type them on a phone.

Number style (DOMAIN.md): "." groups thousands (1.500.000), "," is the decimal mark (81,15tr).
Phones also produce "1.5tr", "1tr5", "500k", "2 triệu 500", "1,5 tỷ", "945.650.000đ". Money is
returned as integer đồng and quantities as `Decimal`; floats never appear, because a report that
adds 0.1 + 0.2 is wrong in front of a district auditor.

Every failure raises `NumberError` with a machine-readable `reason`, so a handler can answer with a
polite, translated sentence instead of a traceback. Days and periods are read by the one date grammar,
`bot.domain.parsing.dates` (`parse_day` is importable from here too, as it always was).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.parsing.dates import parse_day as parse_day
from bot.domain.parsing.errors import NumberError as NumberError
from bot.domain.parsing.text import trimmed_fold

MONEY_MAX = 10**14
"""100.000 tỷ đồng: far above any commune's budget, so a larger figure is a typo."""
QUANTITY_MAX = 10**9
COUNT_MAX = 10**7
QUANTITY_DECIMALS = 3
"""Kilograms to the gram; more decimals than that is a typo, not precision."""

MONEY_MULTIPLIERS: dict[str, int] = {
    "k": 1_000,
    "nghin": 1_000,
    "ngan": 1_000,
    "tr": 1_000_000,
    "trieu": 1_000_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
    "m": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "thousand": 1_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
"""Folded multiplier words: nghìn/ngàn (thousand), triệu/tr (million), tỷ/tỉ (billion), and the English
ones phones type ("2.5m", "500k", "1.2bn")."""

CURRENCY_WORDS = ("vnd", "dong", "d")
"""Folded currency words that may follow an amount (VND, đồng, đ) and change nothing."""

QUANTITY_CONVERSIONS: dict[str, tuple[int, str]] = {
    "kg": (1, "kg"),
    "ky": (1, "kg"),
    "ki": (1, "kg"),
    "kilo": (1, "kg"),
    "ki lo": (1, "kg"),
    "kilogam": (1, "kg"),
    "kilogram": (1, "kg"),
    "tan": (1000, "kg"),
    "ta": (100, "kg"),
    "yen": (10, "kg"),
}
"""Folded weight words and their factor to kg: rice is recorded in kg, people also say tấn/tạ/yến."""

_SIGNS = "-−–"
_NUMBER = r"[0-9]+(?:[.,][0-9]+)*"


def _split_sign(text: str) -> tuple[bool, str]:
    """(negative?, rest): a leading minus (ASCII, Unicode minus or en dash) or plus."""
    if text[:1] in _SIGNS:
        return True, text[1:].lstrip()
    if text[:1] == "+":
        return False, text[1:].lstrip()
    return False, text


def to_decimal(number: str, original: str = "") -> Decimal:
    """Read "1.500.000", "81,15", "1.5", "1.500,5", "12,345,678" (no unit) as a Decimal.

    "." followed by groups of exactly three digits is the thousands separator; "," is the decimal
    mark; a single "." with one or two digits after it is a decimal too, because phones with an
    English keyboard type "1.5tr". Anything else ("1.5.6", "1.5000") is refused rather than guessed.
    """
    original = original or number
    if re.fullmatch(r"[0-9]+", number):
        return Decimal(number)
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", number):
        return Decimal(number.replace(".", ""))
    match = re.fullmatch(r"([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+),([0-9]+)", number)
    if match:
        return Decimal(f"{match.group(1).replace('.', '')}.{match.group(2)}")
    if re.fullmatch(r"[0-9]+\.[0-9]{1,2}", number):
        return Decimal(number)
    if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3}){2,}", number):
        return Decimal(number.replace(",", ""))
    raise NumberError("not_a_number", original)


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def clean_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1500.0 → 1500, 2.50 → 2.5)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def ascii_int(text: str, *, low: int, high: int) -> int | None:
    """A whole number written with ASCII digits only, within [low, high]; None otherwise.

    `str.isdigit()` is not enough: it accepts "²" or "٣", which `int()` then refuses or reads."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_money(text: str) -> int:
    """An amount of money in whole đồng.

    Accepts "500k", "500 nghìn", "1tr5" and "1tr500" (1.500.000), "1,5tr", "1.5tr", "2 triệu",
    "81,15tr", "1.500.000đ", "50.000 VND", "1,5 tỷ", "1ty2" (1.200.000.000), "2 triệu 500",
    "1 tỷ 200 triệu", "1 500 000". Amounts with a multiplier are rounded to whole đồng; a plain
    number with decimals is refused (a đồng has no decimals, so "1,5" alone is a mistake).
    """
    original = text
    s = trimmed_fold(text)
    if not s:
        raise NumberError("empty", original)
    negative, s = _split_sign(s)
    for word in CURRENCY_WORDS:
        if s.startswith(word + " "):
            s = s[len(word) :].lstrip()
        if s.endswith(word) and s[: -len(word)].rstrip()[-1:].isalnum():
            s = s[: -len(word)].rstrip()
            break
    # "1 500 000": spaces grouping thousands; any other space between two numbers is ambiguous.
    s = re.sub(r"(?<=[0-9]) (?=[0-9]{3}(?![0-9]))", "", s)
    if re.search(r"[0-9]\s+[0-9]", s):
        raise NumberError("not_a_number", original)
    s = s.replace(" ", "")
    if not s:
        raise NumberError("not_a_number", original)

    chunks: list[tuple[str, str]] = []
    position = 0
    for match in re.finditer(rf"({_NUMBER})([a-z]*)", s):
        if match.start() != position:
            break
        chunks.append((match.group(1), match.group(2)))
        position = match.end()
    if position != len(s) or not chunks:
        raise NumberError("not_a_number", original)

    total = Decimal(0)
    previous: int | None = None
    for index, (number, unit) in enumerate(chunks):
        if unit:
            multiplier = MONEY_MULTIPLIERS.get(unit)
            if multiplier is None or (previous is not None and multiplier >= previous):
                raise NumberError("not_a_number", original)
            total += to_decimal(number, original) * multiplier
            previous = multiplier
        elif previous is None:
            if len(chunks) > 1:
                raise NumberError("not_a_number", original)
            if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+", number):
                number = number.replace(",", "")  # "500,000 VND": a đồng has no decimals, so "," groups thousands
            value = to_decimal(number, original)
            if value != value.to_integral_value():
                raise NumberError("too_many_decimals", original)
            total = value
        else:
            # "1tr5", "1tr500", "2 triệu 500", "1ty2": the digits after the unit are its decimals.
            is_last = index == len(chunks) - 1
            if not is_last or not number.isdigit() or len(number) > 3 or not chunks[index - 1][0].isdigit():
                raise NumberError("not_a_number", original)
            total += Decimal(f"0.{number}") * previous
    if negative:
        raise NumberError("negative", original)
    if total > MONEY_MAX:  # before rounding: quantize fails on absurdly long digit strings
        raise NumberError("too_large", original)
    result = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if result == 0:
        raise NumberError("zero", original)
    return result


def parse_quantity(text: str) -> tuple[Decimal, str | None]:
    """A quantity with an optional unit word after it: "45.390 kg", "5410kg", "2,5 kg", "3 con".

    The unit comes back folded ("kg", "con", "ngay cong"); weights in tấn/tạ/yến and kg synonyms
    (ký, kí, kilo) are converted to "kg", because rice is recorded in kg whatever the officer says.
    """
    original = text
    s = trimmed_fold(text)
    if not s:
        raise NumberError("empty", original)
    negative, s = _split_sign(s)
    match = re.fullmatch(rf"({_NUMBER})\s*(.*)", s)
    if match is None:
        raise NumberError("not_a_number", original)
    number, unit_text = match.group(1), match.group(2).strip()
    unit: str | None = None
    factor = 1
    if unit_text:
        if not re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)*", unit_text):
            raise NumberError("not_a_number", original)
        factor, unit = QUANTITY_CONVERSIONS.get(unit_text, (1, unit_text))
    value = to_decimal(number, original) * factor
    if negative:
        raise NumberError("negative", original)
    if value == 0:
        raise NumberError("zero", original)
    if value > QUANTITY_MAX:
        raise NumberError("too_large", original)
    if _decimal_places(value) > QUANTITY_DECIMALS:
        raise NumberError("too_many_decimals", original)
    return clean_decimal(value), unit


def parse_count(text: str) -> int:
    """A whole positive number of households or persons: "45", "1.100", "3026".

    A decimal ("1,5" or "1.5") is "not_a_number": half a household is a typo, never a figure.
    """
    original = text
    s = trimmed_fold(text)
    if not s:
        raise NumberError("empty", original)
    negative, s = _split_sign(s)
    if re.fullmatch(r"[0-9]+", s) or re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", s):
        digits = s.replace(".", "").lstrip("0") or "0"
        if len(digits) > len(str(COUNT_MAX)):  # int() refuses very long digit strings
            raise NumberError("negative" if negative else "too_large", original)
        value = int(digits)
    else:
        raise NumberError("not_a_number", original)
    if negative:
        raise NumberError("negative", original)
    if value == 0:
        raise NumberError("zero", original)
    if value > COUNT_MAX:
        raise NumberError("too_large", original)
    return value
