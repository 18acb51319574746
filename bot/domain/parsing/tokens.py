"""Splitting what officers type into tokens that keywords and figures are matched on.

One tokeniser for user text and for catalogue keywords alike, so "ns-vsmt", "17/10" or "5410kg"
compare token by token whichever side they come from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.parsing.text import fold


@dataclass(frozen=True)
class Token:
    """One token of a line: as typed (NFC, for messages), casefolded, folded (for matching)."""

    raw: str
    norm: str
    folded: str
    kind: str  # "word", "num", "date" or "punct"


TOKEN_RE = re.compile(
    r"""
    (?P<date>[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{4}|/[0-9]{2})?(?![0-9/])
            |[0-9]{1,2}[.-][0-9]{1,2}[.-][0-9]{4}(?![0-9.]))
    |(?P<num>(?:(?<!\S)[-−–+])?[0-9]+(?:[.,][0-9]+)*(?:[^\W\d_]+[0-9]*)?)
    |(?P<word>[^\W\d_]+)
    |(?P<punct>\S)
    """,
    re.VERBOSE,
)
NUM_PARTS = re.compile(r"(?P<number>[-−–+]?[0-9]+(?:[.,][0-9]+)*)(?P<letters>[^\W\d_]*)(?P<digits>[0-9]*)")
"""A number token's figure, the unit letters glued on ("5410kg", "1tr") and digits after them ("1tr5")."""
GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
"""Thousands grouped with dots (1.500.000): money or a count, never a date or a decimal."""


def tokenise(text: str) -> list[Token]:
    """Words, numbers (with a unit glued on: "5410kg", "1tr5"), dates ("15/6") and punctuation."""
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    tokens: list[Token] = []
    for match in TOKEN_RE.finditer(collapsed):
        raw = match.group()
        tokens.append(Token(raw, raw.casefold(), fold(raw), match.lastgroup or "punct"))
    return tokens


def word(text: str) -> Token:
    """A single word token (the unit letters glued to a number, read on their own)."""
    return Token(text, text, fold(text), "word")
