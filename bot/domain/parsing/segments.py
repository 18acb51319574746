"""Two actions in one line: "xây mới 60 căn, sửa chữa 25 căn nhà", "quà 100 suất và gạo 500 kg".

Reports list several kinds of support in one sentence. Read as one entry, such a line either merges
them into one record (wrong figures in a signed report) or stops at a conflict. So before the line is
read as one entry, it is cut where one action ends and the next begins, and each part is read on its
own by the one reader (`parse_quick_entry`):

1. the line is cut at its separators: ",", ";", "+", "&" (never the decimal comma of "4,5tr") and the
   words "và", "and";
2. a piece "stands" when, read alone, it gives a figure and names its kind of support in words: a keyword
   of the kind ("gạo", "tiền mặt") or one of its choices ("xây mới", "sửa chữa"), not only a unit ("5410kg"
   is rice or seed, "mỗi căn 50 triệu" is a per-unit figure of the house before it); a piece that does not
   stand ("dê", "hộ cận nghèo", "500 triệu") belongs to the action before it (or after it, at the start);
3. the line holds several actions only when at least two pieces stand and they differ: another kind
   of support, or the same kind with another choice (new build / repair) or unit (14 con giống, 910 bó
   giống cây mì). "gạo 45 hộ, 108 khẩu" stays
   one entry: its second piece names no kind of support;
4. what one action says about everybody ("cho hộ nghèo", the organisation, the funding source, the
   date) is given to the other actions that do not say otherwise;
5. a piece that gives a total of all the actions ("tổng kinh phí 3 tỷ" after the last one) cannot be
   split between them without guessing: it is left out of every action and returned as `shared`, so the
   officer is told to give each entry its own figure.

Any doubt (a part that does not read cleanly, two actions that do not differ) returns None, and the
line is read as one entry as before, with its problems explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.parsing.quick_entry import ParsedEntry, parse_quick_entry
from bot.domain.parsing.text import fold

_SEPARATOR = re.compile(r"(?<!\d)[,;]|[,;](?!\d)|\s[+&]\s|\s(?:và|va|and)\s", re.IGNORECASE)
_TOTAL_WORDS = ("tong", "total", "cong", "tat ca", "in total")
SHARED_ATTRIBUTES = ("organisation", "beneficiary_class", "funding_source", "action_date")
MAX_ACTIONS = 6


@dataclass(frozen=True)
class Actions:
    """The actions of one line, each with the text it was read from; `shared` is a total of all of
    them that was left out (empty when there is none)."""

    entries: list[ParsedEntry]
    texts: list[str]
    shared: str = ""


def _has_figure(entry: ParsedEntry) -> bool:
    return any(v is not None for v in (entry.households, entry.persons, entry.quantity, entry.value_dong))


def _stands(entry: ParsedEntry) -> bool:
    return entry.category is not None and _has_figure(entry) and not entry.problems


_NUMBER_WORD = re.compile(r"\S*\d\S*")
_PER_UNIT_START = ("moi", "each", "per")


def _names_its_kind(piece: str, entry: ParsedEntry, catalogue: CatalogueFile, today: date) -> bool:
    """The piece says what kind of support it is in words, not only through a unit after a number."""
    if fold(piece).split(" ", 1)[0] in _PER_UNIT_START:
        return False  # "mỗi căn 50 triệu": a figure per unit of the action before
    if entry.fields:
        return True
    words = _NUMBER_WORD.sub(" ", piece)
    return parse_quick_entry(words, catalogue, today=today).category == entry.category


def _pieces(text: str) -> list[str]:
    """The line cut at its separators, never inside brackets: "200 suất quà (mỗi suất 300.000đ và 10kg gạo)"
    describes one action."""
    pieces, start = [], 0
    for match in _SEPARATOR.finditer(text):
        if text.count("(", 0, match.start()) > text.count(")", 0, match.start()):
            continue
        pieces.append(text[start:match.start()])
        start = match.end()
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _is_total(piece: str) -> bool:
    folded = fold(piece)
    return any(folded == word or folded.startswith(word + " ") for word in _TOTAL_WORDS)


_EMPTY = ParsedEntry()
_recent: dict[tuple[str, int, date], tuple[CatalogueFile, Actions | None]] = {}
"""The last lines cut: one typed line is looked at by the question filter, then by quick entry."""


def split_actions(text: str, catalogue: CatalogueFile, *, today: date) -> Actions | None:
    """The actions of a line that holds several (see the module notes), or None for one entry."""
    key = (text, id(catalogue), today)
    hit = _recent.get(key)
    if hit is not None and hit[0] is catalogue:
        return hit[1]
    found = _split(text, catalogue, today)
    if len(_recent) >= 32:
        _recent.clear()
    _recent[key] = (catalogue, found)
    return found


def _split(text: str, catalogue: CatalogueFile, today: date) -> Actions | None:
    pieces = _pieces(text)
    if sum(1 for piece in pieces if re.search(r"\d", piece)) < 2:
        return None  # an action gives a figure: fewer than two pieces with a number hold one action at most
    # a piece without a number has no figure: it cannot stand, so it is not read on its own
    alone = [parse_quick_entry(piece, catalogue, today=today) if re.search(r"\d", piece) else _EMPTY
             for piece in pieces]
    standing = [i for i, entry in enumerate(alone)
                if _stands(entry) and _names_its_kind(pieces[i], entry, catalogue, today)
                and not _part_of_before(pieces, alone, i)]
    if len(standing) < 2 or len(standing) > MAX_ACTIONS:
        return None
    groups: list[list[str]] = [[] for _ in standing]
    shared: list[str] = []
    for index, piece in enumerate(pieces):
        if index > standing[-1] and _is_total(piece) and _has_figure(alone[index]):
            shared.append(piece)  # a total of all the actions: not split between them by guessing
            continue
        owner = max((n for n, first in enumerate(standing) if first <= index), default=0)
        groups[owner].append(piece)
    texts = [", ".join(group) for group in groups]
    entries = [parse_quick_entry(part, catalogue, today=today) for part in texts]
    if any(not _stands(entry) for entry in entries):
        return None
    kinds = {(entry.category, entry.quantity_unit, tuple(sorted(entry.fields.items()))) for entry in entries}
    if len(kinds) < len(entries):
        return None  # two pieces that say the same kind of action: not two actions we can tell apart
    _share(entries)
    return Actions(entries, texts, ", ".join(shared))


_VALUE_LABELS = ("kinh phi", "tri gia", "gia tri", "so tien", "thanh tien", "voi so tien", "voi tong", "tong",
                 "worth", "value", "total")


def _part_of_before(pieces: list[str], alone: list[ParsedEntry], index: int) -> bool:
    """A piece with money only that says it is the value of what comes before ("…, kinh phí cho vay đạt 113
    tỷ đồng"), or that goes on describing a per-unit figure ("mỗi suất gồm 10kg gạo và 200.000 đồng tiền
    mặt"), is part of the action before it, not an action of its own."""
    entry = alone[index]
    if any(v is not None for v in (entry.households, entry.persons, entry.quantity)) or index == 0:
        return False
    words = fold(pieces[index]).split()
    before_figure = " ".join(w for w in words[:next((i for i, w in enumerate(words) if re.search(r"\d", w)),
                                                   len(words))])
    if any(before_figure == label or before_figure.startswith(label + " ") for label in _VALUE_LABELS):
        return True
    return fold(pieces[index - 1]).split(" ", 1)[0] in _PER_UNIT_START


def _share(entries: list[ParsedEntry]) -> None:
    """Who received it, who gave it, from which funds and when: said once for the whole line, it holds
    for every action that does not say otherwise. Said differently by two actions, it stays with each."""
    for attribute in SHARED_ATTRIBUTES:
        values = {getattr(entry, attribute) for entry in entries} - {None}
        if len(values) == 1:
            value = values.pop()
            for entry in entries:
                setattr(entry, attribute, value)
