"""Reading what officers type: Vietnamese amounts, counts, dates and one-line quick entries.

Pure functions only (no database, no Telegram), so handlers and services can share them and the
unit tests can pin every phone-typed format down in tables.
"""

from bot.parsing.numbers import NumberError, parse_count, parse_day, parse_money, parse_quantity
from bot.parsing.quick_entry import ParsedEntry, parse_quick_entry, unit_code
from bot.parsing.text import fold, normalise

__all__ = [
    "NumberError",
    "ParsedEntry",
    "fold",
    "normalise",
    "parse_count",
    "parse_day",
    "parse_money",
    "parse_quantity",
    "parse_quick_entry",
    "unit_code",
]
