"""What the words around a figure say about it: a label ("tổng trị giá"), an approximation ("hơn 3 tỷ") or
a per-unit figure ("500k/suất", "mỗi hộ 15 kg", "500k each") that is multiplied by the count it refers to.

Reports write per-unit figures as often as totals, and a per-unit figure stored as the total is a wrong
figure in a signed report. So a per-unit figure never becomes the measure itself: `settle_per_unit` turns
it into count × figure, keeps the derivation for the card, and when the line also gives the total and the
two disagree it stores neither silently (`ParsedEntry.total_choice`: the card asks which is right).
A per-unit figure whose count the line does not give is a problem, never a guess.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from bot.domain.parsing.entry_lexicon import (
    AFTER_FIGURE_PER,
    APPROXIMATE_AHEAD,
    EACH_WORDS,
    NEEDS_MARKS,
    PER_WORDS,
    unit_code,
)
from bot.domain.parsing.entry_line import Line, PerUnit
from bot.domain.parsing.matcher import Meaning
from bot.domain.parsing.numbers import COUNT_MAX, MONEY_MAX, MONEY_MULTIPLIERS, QUANTITY_MAX, clean_decimal
from bot.domain.parsing.text import diacritic_marks, fold
from bot.domain.parsing.tokens import NUM_PARTS, Token

COUNT_ROLES = ("households", "persons", "quantity")
UNKNOWN_BASE = "unknown"
"""Per unit of a word the category does not count ("mỗi xã 5 triệu"): the count is asked, never guessed."""
_PER = {tuple(fold(w).split()) for w in PER_WORDS}
_AFTER_FIGURE = {fold(w) for w in AFTER_FIGURE_PER}
_EACH = {fold(w) for w in EACH_WORDS}
_MOI_MARKS = {(), diacritic_marks("mỗi")}
""""mới" (new, as in "xây mới") folds to "moi" too; its typed marks refuse the per-unit reading."""
_BEFORE_FIGURE = {"cho", "for"}
_CURRENCY = {"d", "dong", "vnd"}
_GAP = 7
"""At most this many words between "mỗi suất" and its figure, within one clause ("mỗi suất quà có trị giá
500.000 đồng", "mỗi suất gồm 10kg gạo và tiền mặt 300k")."""


def read_labels(reader: Line) -> None:
    """Labels before figures ("tổng số tiền", "kinh phí") say only what the figure is: consumed first."""
    tokens = reader.tokens
    for start in range(len(tokens)):
        if reader.free(start):
            ends = [end for end, _ in reader.lexicon.labels.at(tokens, start, reader.free)]
            if ends:
                reader.use(start, max(ends))


def read_approximations(reader: Line) -> None:
    """"hơn 3 tỷ", "trên 36,5 tỷ", "khoảng 200 hộ", "ước thực hiện kinh phí 3 tỷ": the figure is kept and
    the entry marked approximate; the word is consumed, never silently dropped."""
    tokens = reader.tokens
    for start in range(len(tokens)):
        if not reader.free(start):
            continue
        ends = [end for end, _ in reader.lexicon.approximate.at(tokens, start, reader.free)]
        if not ends:
            continue
        end = max(ends)
        if end - start == 1 and tokens[start].folded in NEEDS_MARKS and not diacritic_marks(tokens[start].norm):
            continue
        ahead = " ".join(t.folded for t in tokens[start:end]) in APPROXIMATE_AHEAD
        after, words = end, 0
        while after < len(tokens) and tokens[after].kind != "num":
            label = not reader.free(after) and tokens[after].kind == "word"  # "ước đạt tổng kinh phí 3 tỷ"
            if not (label or tokens[after].raw in (":", "-") or (ahead and words < 3 and tokens[after].kind == "word")):
                break
            words += not label
            after += 1
        if after < len(tokens) and tokens[after].kind == "num" and reader.free(after):
            reader.entry.approximate = True
            reader.approximate.add(after)
            reader.use(start, end)


def _count_word(reader: Line, index: int) -> tuple[int, str] | None:
    """(end, count role) when a counting word of the category starts at `index` ("hộ", "suất", "khẩu"). The
    unit a quantity word names ("chiếc") is noted, for a quantity typed without one ("200 chăn ấm")."""
    if index >= len(reader.tokens) or reader.tokens[index].kind != "word":
        return None
    found = [(end, m) for end, m in reader.unit_index().at(reader.tokens, index, reader.free)
             if m.role in COUNT_ROLES]
    if not found:
        return None
    end, meaning = max(found, key=lambda item: item[0])
    if meaning.role == "quantity" and meaning.code and meaning.field_code != "counted":
        reader.count_unit = meaning.code
    return end, meaning.role


def _figure_before(reader: Line, index: int) -> int | None:
    """The number token of a figure ending just before `index` ("500k", "15 kg", "1,5 triệu đồng")."""
    tokens = reader.tokens
    k = index - 1
    if k >= 0 and tokens[k].folded in _BEFORE_FIGURE:
        k -= 1
    for back in range(3):
        candidate = k - back
        if candidate < 0 or not reader.free(candidate):
            return None
        if tokens[candidate].kind == "num":
            units = reader.units_after(candidate, reader.unit_index())
            covered = max((end for end, _, _ in units), default=candidate + 1)
            while covered <= k and tokens[covered].folded in _CURRENCY:
                covered += 1  # "150 nghìn đ/suất"
            return candidate if covered >= k + 1 or back == 0 else None
        if tokens[candidate].kind != "word":
            return None
    return None


def _figure_before_each(reader: Line, index: int) -> int | None:
    """"10kg rice each", "500k per package each": a few plain words may stand between figure and "each"."""
    for position in range(index - 1, max(index - 4, -1), -1):
        token = reader.tokens[position]
        if token.kind == "num":
            return position if reader.free(position) else None
        if token.kind != "word":
            return None
    return None


def _figure_role(reader: Line, index: int) -> str | None:
    """What the figure at `index` measures: "money", a count role, or None (a bare number)."""
    parts = NUM_PARTS.fullmatch(reader.tokens[index].norm)
    if parts is not None and fold(parts.group("letters")) in MONEY_MULTIPLIERS:
        return "money"
    units = reader.units_after(index, reader.unit_index())
    return units[0][1].role if units else None


def _figure_after(reader: Line, index: int, base: str | None) -> int | None:
    """The figure a "mỗi suất …" phrase is about: the next one in its clause, passing over a weight the
    category does not record ("mỗi suất gồm 10kg gạo và tiền mặt 300k")."""
    tokens = reader.tokens
    skipped = False
    for position in range(index, min(index + _GAP + 1, len(tokens))):
        token = tokens[position]
        if token.kind == "num":
            if not reader.free(position):
                return None
            if _figure_role(reader, position) == base:
                continue  # "mỗi căn nhà 5 căn 200tr"? the count itself is not the per-unit figure
            if not reader.units_after(position, reader.unit_index()) and reader.category is not None \
                    and any(m.role == "quantity" for _, m, _ in reader.units_after(position, reader.lexicon.any_units)):
                skipped = True  # "mỗi suất quà gồm 10kg gạo, trị giá 200k": the clause goes on past the comma
                continue
            return position
        if token.kind == "date" or token.raw in (";", ".") or (token.raw == "," and not skipped):
            return None
    return None


def _default_base(reader: Line, figure_role: str | None) -> str | None:
    """The count "500k each" refers to: a money figure is per item (suất, căn) when the category counts
    items, else per household; a quantity is per household, else per person."""
    spec = reader.category.spec if reader.category is not None else None
    if spec is None:
        return None
    quantity = spec.measure("quantity")
    order = ["households", "persons"]
    if figure_role == "money" and quantity is not None and fold(quantity.unit_vi) != "kg":
        order.insert(0, "quantity")
    return next((code for code in order if spec.measure(code) is not None), None)


def _one_as_number(reader: Line) -> None:
    """"mỗi cháu một suất": "một" (one) before a counting word of the category is the figure 1, unless a
    figure stands before it ("500k một suất" is per unit)."""
    tokens = reader.tokens
    for index, token in enumerate(tokens):
        if token.folded == "mot" and reader.free(index) and _figure_before(reader, index) is None \
                and _count_word(reader, index + 1) is not None:
            tokens[index] = Token(token.raw, "1", "1", "num")


def _times(reader: Line, index: int) -> bool:
    """"120 suất x 100k", "200 suất × 500.000đ = 100 triệu": the figure after "x" is per unit of the count
    before it; a figure after "=" is the written total, compared like any other. When the count's measure
    cannot be told ("12 suất học bổng x 1 triệu"), the category's main count is taken, else it is asked."""
    tokens = reader.tokens
    figure = index + 1
    if tokens[index].folded not in ("x", "×", "*") or figure >= len(tokens) or tokens[figure].kind != "num" \
            or not reader.free(figure):
        return False
    count = next((i for i in range(index - 1, max(index - 5, -1), -1) if tokens[i].kind == "num"), None)
    if count is None:
        return False
    base, after = _figure_role(reader, count), _figure_role(reader, figure)
    if base in ("money", "quantity") and after in COUNT_ROLES and after != base:
        # "500.000đ/suất x 20 suất", "15kg/hộ x 40 hộ": the figure before is per unit of the count after
        reader.per_unit[count] = (after, reader.text(count, figure + 1))
        reader.use(index, index + 1)
        return True
    if base not in COUNT_ROLES:
        if base is not None:
            return False
        base = _default_base(reader, after) or UNKNOWN_BASE
    reader.per_unit[figure] = (base, reader.text(count, figure + 1))
    reader.use(index, index + 1)
    return True


def read_per_unit(reader: Line) -> None:
    """Find per-unit phrases and note which figure each one makes per unit (`Line.per_unit`)."""
    tokens = reader.tokens
    _one_as_number(reader)
    for index in range(len(tokens)):
        if reader.free(index):
            _times(reader, index)
    index = 0
    while index < len(tokens):
        if not reader.free(index):
            index += 1
            continue
        marked = _per_phrase(reader, index)
        if marked is None:
            index += 1
            continue
        end, base, figure_first = marked
        # "mỗi hộ 15kg": the figure after the phrase first ("50 hộ mỗi khẩu 15kg" is 15 kg a person), then the
        # one before it ("15kg mỗi hộ, 30 hộ", "2 người/hộ"); never the count itself ("20 suất mỗi suất 500k").
        figure = None if figure_first else _figure_after(reader, end, base)
        if figure is None:
            figure = _figure_before(reader, index) if base is not None else _figure_before_each(reader, index)
            if figure is not None and base is not None and _figure_role(reader, figure) == base:
                figure = None
        if figure is None and figure_first and base is not None:
            # "/suất" after a figure written some other way: never left to be read as a total
            figure = next((i for i in range(index - 1, max(index - 5, -1), -1) if tokens[i].kind == "num"
                           and reader.free(i) and _figure_role(reader, i) != base), None)
        if figure is None:
            index += 1
            continue
        if base is None:
            base = _default_base(reader, _figure_role(reader, figure))
            if base is None:
                index += 1
                continue
        reader.per_unit[figure] = (base, reader.text(min(index, figure), max(end, figure + 1)))
        reader.use(index, end)
        if figure > index:
            _extend_clause(reader, figure, base)
        index = end


_TOTAL_WORDS = {"tong", "total", "cong", "thanh"}


def _extend_clause(reader: Line, figure: int, base: str) -> None:
    """"mỗi hộ 1 suất trị giá 400 nghìn": the figures that follow in the same clause are per household too,
    up to punctuation, a total label ("tổng") or a figure that is the count itself ("… cho 30 hộ") - when a
    label joins them or the first is a single item ("1 suất 300k"); otherwise the reader asks."""
    tokens = reader.tokens
    roles = {_figure_role(reader, figure)}
    position = max((end for end, _, _ in reader.units_after(figure, reader.unit_index())), default=figure + 1)
    words, labelled, single = 0, False, tokens[figure].norm == "1"
    while position < len(tokens) and words <= 2:
        token = tokens[position]
        if token.kind == "num":
            role = _figure_role(reader, position)
            if not reader.free(position) or role in roles or role == base or role not in ("money", "quantity"):
                return
            if not (labelled or single):
                # "mỗi hộ 5 khẩu 100kg": 100 kg a household, or in all? Asked, never guessed.
                reader.entry.problems.append(("per_unit_unclear", reader.text(figure, position + 1)))
                return
            reader.per_unit[position] = (base, reader.text(figure, position + 1))
            roles.add(role)
            position = max((end for end, _, _ in reader.units_after(position, reader.unit_index())),
                           default=position + 1)
            continue
        if token.kind != "word" or token.folded in _TOTAL_WORDS:
            return
        labelled = labelled or not reader.free(position)  # "… 1 suất trị giá 400 nghìn"
        words += reader.free(position)
        position += 1


_ITEM_WORDS = {"suat", "phan", "xuat"}
"""Item words that may stand between a count and the category's own word ("25 suất học bổng")."""


def keyword_as_unit(reader: Line, index: int) -> list[tuple[int, Meaning, str]]:
    """"tặng 200 chăn ấm", "30 gift packages", "25 suất học bổng": a count followed by the category's own word
    is what the category counts - its quantity (in the unit that word or the next names, else the measure's
    only unit), or, without a quantity, its persons or households. Not for weights: "50 gạo" is not 50 kg."""
    category = reader.category
    tokens = reader.tokens
    if category is None or index + 1 >= len(tokens) or not tokens[index].norm.isdigit():
        return []
    spec = category.spec
    quantity = spec.measure("quantity")
    if quantity is not None and fold(quantity.unit_vi) == "kg":
        return []
    start = index + 1
    if tokens[start].folded in _ITEM_WORDS and reader.free(start):
        start += 1
    ends = [end for end, _ in category.keywords.at(tokens, start, reader.free)]
    ends += [end for end, _ in category.choices.at(tokens, start, reader.free)]
    if not ends:
        return []
    after = max(ends)
    if quantity is None:
        role = next((code for code in ("persons", "households") if spec.measure(code) is not None), None)
        if role is None:
            return []
        reader.use(index + 1, start)
        return [(start, Meaning(role, role, field_code="counted"), tokens[index].norm)]
    units = [(end, m) for end, m in category.units.at(tokens, after, reader.free) if m.role == "quantity"]
    if units:
        end, meaning = max(units, key=lambda u: u[0])
        reader.use(index + 1, after)
        return [(end, meaning, tokens[index].norm)]
    reader.use(index + 1, start)
    code = "" if quantity.units else unit_code(quantity)
    return [(start, Meaning("quantity", code, priority=3), tokens[index].norm)]


def _names_something(reader: Line, index: int) -> bool:
    """A keyword or choice of the category starts here ("mỗi tháng" is the monthly choice of rice), or a
    phrase that begins with the "mỗi" before it."""
    category, tokens = reader.category, reader.tokens
    if reader.lexicon.general.at(tokens, index - 1, reader.free):
        return True  # "mới thoát nghèo" typed without marks: a beneficiary class, not "mỗi"
    if category is None:
        return False
    return bool(category.keywords.at(tokens, index, reader.free) or category.choices.at(tokens, index, reader.free))


def _inside_phrase(reader: Line, index: int) -> bool:
    """The token is inside a keyword or choice that starts before it: the "moi" of "xay moi" (xây mới)."""
    indexes = [reader.lexicon.general]
    if reader.category is not None:
        indexes += [reader.category.keywords, reader.category.choices]
    return any(end > index for start in range(max(index - 2, 0), index) for phrases in indexes
               for end, _ in phrases.at(reader.tokens, start, reader.free))


_UNIT_PRICE = {("don", "gia"), ("dinh", "muc"), ("muc", "ho", "tro"), ("binh", "quan"), ("trung", "binh"),
               ("unit", "price"), ("average",), ("muc",)}
"""Words that make the next figure a per-unit one without naming the unit ("đơn giá 15.000đ", "định mức 2 triệu",
"bình quân 45 triệu"): the count is the category's main one, as for "each"."""


def _per_phrase(reader: Line, index: int) -> tuple[int, str | None, bool] | None:
    """(end, count role or None, figure must come first) of a per-unit phrase starting at `index`."""
    tokens = reader.tokens
    folded = tokens[index].folded
    for size in (3, 2, 1):
        words = tuple(t.folded for t in tokens[index:index + size])
        if len(words) == size and words in _UNIT_PRICE and all(reader.free(i) for i in range(index, index + size)):
            following = tokens[index + size].folded if index + size < len(tokens) else ""
            if _count_word(reader, index + size) is not None or following in ("moi", "each", "per"):
                return None  # "bình quân mỗi hộ 10kg" is read from "mỗi"
            price = words in (("don", "gia"), ("unit", "price")) and reader.category is not None \
                and reader.category.spec.measure("quantity") is not None
            return index + size, "quantity" if price else None, False  # a unit price is per kg, per suất
    for size in (2, 1):
        words = tuple(t.folded for t in tokens[index:index + size])
        if len(words) == size and words in _PER and all(reader.free(i) for i in range(index, index + size)):
            if words[0] == "moi" and (diacritic_marks(tokens[index].norm) not in _MOI_MARKS
                                      or _inside_phrase(reader, index)):
                return None
            after = index + size
            counted = _count_word(reader, after)
            if counted is not None:
                return counted[0], counted[1], False
            if folded in _EACH and _figure_before_each(reader, index) is not None:
                return after, None, True
            if after < len(tokens) and tokens[after].kind == "word" and reader.free(after) \
                    and not _names_something(reader, after):
                # "mỗi suất học bổng 1 triệu": per something the category does not count by that word - an
                # item ("suất", "phần") is its main count; any other word leaves the count to be asked
                return after + 1, (None if tokens[after].folded in _ITEM_WORDS else UNKNOWN_BASE), False
            return None
    if folded in _AFTER_FIGURE and _figure_before(reader, index) is not None:
        start = index + 1
        if folded == "/" and start < len(tokens) and tokens[start].folded in ("1", "mot"):
            start += 1
        counted = _count_word(reader, start)
        if counted is not None:
            return counted[0], counted[1], True
    if folded == "apiece" and _figure_before_each(reader, index) is not None:
        return index + 1, None, True
    return None


_PERIOD_WORDS = {"thang", "nam", "quy", "ngay", "month", "year", "quarter", "day"}


def _per_period(reader: Line) -> bool:
    """"10kg/hộ/tháng", "mỗi tháng", "hằng tháng", "per month": a per-unit figure that is also per period
    cannot be multiplied without knowing how many periods, so it is asked about."""
    folded = [t.folded for t in reader.tokens]
    return any(word in _PERIOD_WORDS and before in ("/", "moi", "hang", "per", "a", "each", "every")
               for before, word in pairwise(folded)) or "monthly" in folded


def settle_per_unit(reader: Line) -> None:
    """Multiply every per-unit figure by its count: counts of people and quantities first, as money may be
    per them ("mỗi hộ 2 suất, mỗi suất 500k", "4 khẩu/hộ, 15 kg/khẩu")."""
    entry = reader.entry
    if reader.pending and _per_period(reader):
        entry.problems += [("per_unit_per_period", item.text) for item in reader.pending]
        return
    order = {"households": 0, "persons": 1, "quantity": 2, "money": 3}
    for item in sorted(reader.pending, key=lambda p: order.get(p.role, 3)):
        _settle(reader, item)
    if entry.quantity is not None and entry.quantity_unit is None and reader.count_unit:
        entry.quantity_unit = reader.count_unit  # "200 chăn ấm, 150.000đ/chiếc": pieces


def _settle(reader: Line, item: PerUnit) -> None:
    entry = reader.entry
    count = {"households": entry.households, "persons": entry.persons, "quantity": entry.quantity}.get(item.base)
    if count is None:
        entry.problems.append(("per_unit_without_count", item.text))
        return
    measure = "value" if item.role == "money" else item.role
    total: int | Decimal
    written: int | Decimal | None
    if item.role == "quantity":
        total = clean_decimal(Decimal(item.value) * Decimal(count))
        written = entry.quantity if entry.quantity_unit in (None, item.unit) else None
        if entry.quantity is not None and written is None:
            entry.problems.append(("conflict", item.text))
            return
        limit: int = QUANTITY_MAX
    else:
        total = int((Decimal(item.value) * Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        written = entry.value_dong if item.role == "money" else getattr(entry, item.role)
        limit = MONEY_MAX if item.role == "money" else COUNT_MAX
    if total > limit:
        entry.problems.append(("too_large", item.text))
        return
    entry.per_unit[measure] = {"each": str(item.value), "count": str(count), "count_measure": item.base,
                               "unit": item.unit or ""}
    if written is not None and written != total:
        entry.total_choice = {"measure": measure, "derived": str(total), "written": str(written)}
    elif item.role == "money":
        entry.value_dong = int(total)
    elif item.role == "quantity":
        entry.quantity, entry.quantity_unit = Decimal(total), item.unit
    else:
        setattr(entry, item.role, int(total))
