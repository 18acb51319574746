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
   several things at once ("quà tết" = gift + occasion Tết, "nhcsxh" = lender + funding source).
   A phrase that is a field choice of the category fills the field and names no organisation:
   "vay vốn … nhcsxh" typed by a Women's Union officer is her union's loan, lent by the bank, and
   stays credited to her union, the reporter's own organisation;
7. filler words ("cho", "hỗ trợ") are dropped; a number without a unit is money if it is clearly
   money (1.500.000, or ≥ 100.000), otherwise reported as ambiguous; every other word goes to
   `unknown`, so nothing the officer typed is silently ignored.

Diacritics are folded away for matching, but when the officer did type them and they contradict a
keyword ("bó" is not "bò", "cận" is not "căn") that keyword does not match.
"""

from __future__ import annotations

import logging
from datetime import date

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.parsing.entry_lexicon import MIXED_CLASS, lexicon_for, unit_code
from bot.domain.parsing.entry_line import ParsedEntry
from bot.domain.parsing.entry_reader import BARE_MONEY_MIN, Reader

__all__ = ["BARE_MONEY_MIN", "MIXED_CLASS", "ParsedEntry", "parse_quick_entry", "unit_code"]

logger = logging.getLogger(__name__)


def parse_quick_entry(text: str, catalogue: CatalogueFile, *, today: date) -> ParsedEntry:
    """Read one free-text line into a `ParsedEntry`; never raises, whatever the input.

    Problems with figures (negative, zero, unreadable, too large, ambiguous, contradictory) are
    collected in `problems` so the handler can name the offending text in its reply.
    """
    entry = ParsedEntry()
    try:
        Reader(text, lexicon_for(catalogue), today, entry).read()
    except Exception:  # a parser bug must cost one reply, not the handler; the text is personal data
        logger.exception("quick entry parser failed on a %d-character message", len(text))
        entry.problems.append(("not_understood", text[:40]))
    return entry
