"""The quick-entry lexicon: the catalogue's words (through the one matcher, `bot.domain.parsing.matcher`)
plus the words only a one-line entry needs - units after a number, money words, filler words.

Built once per catalogue; `bot.domain.parsing.entry_reader` reads a line against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.catalogue_file import CatalogueFile, CategorySpec, Measure, built_once_per_catalogue
from bot.domain.parsing.matcher import Meaning, PhraseIndex, matcher_for
from bot.domain.parsing.text import fold

MIXED_CLASS = "mixed"
"""Beneficiary class code used when one line names several classes."""


def unit_code(measure: Measure) -> str:
    """The stable code recorded in `quantity_unit` for a measure's default unit.

    Several units: the `UnitOption.code` whose `unit_vi` is the default. One unit: the folded
    `unit_vi` with "_" for spaces ("kg", "suat", "can", "ngay_cong", "cong_trinh", "the", "buoi"),
    ASCII like every other code.
    """
    for option in measure.units:
        if option.unit_vi == measure.unit_vi:
            return option.code
    return re.sub(r"[^a-z0-9]+", "_", fold(measure.unit_vi)).strip("_") or measure.code


HOUSEHOLD_WORDS = ("hộ", "ho", "hộ gia đình", "ho gia dinh", "hgđ", "hgd", "gia đình", "gia dinh", "hộ dân", "ho dan")
PERSON_WORDS = (
    "khẩu", "khau", "nhân khẩu", "nhan khau", "người", "nguoi", "người tham gia", "nguoi tham gia",
    "học viên", "hoc vien", "lượt người", "luot nguoi", "học sinh", "hoc sinh", "hs", "em",
    "lượt học sinh", "luot hoc sinh",
)  # fmt: skip
MONEY_WORDS: dict[str, int] = {
    "k": 1_000, "nghìn": 1_000, "nghin": 1_000, "ngàn": 1_000, "ngan": 1_000,
    "tr": 1_000_000, "triệu": 1_000_000, "trieu": 1_000_000, "trđ": 1_000_000, "trd": 1_000_000,
    "tỷ": 1_000_000_000, "ty": 1_000_000_000, "tỉ": 1_000_000_000, "ti": 1_000_000_000,
    "đ": 1, "d": 1, "đồng": 1, "dong": 1, "vnd": 1, "vnđ": 1,
    "nghìn đồng": 1_000, "nghin dong": 1_000, "ngàn đồng": 1_000, "ngan dong": 1_000,
    "triệu đồng": 1_000_000, "trieu dong": 1_000_000, "tr đồng": 1_000_000, "tr dong": 1_000_000,
    "tỷ đồng": 1_000_000_000, "ty dong": 1_000_000_000, "tỉ đồng": 1_000_000_000, "ti dong": 1_000_000_000,
}  # fmt: skip
KG_CONVERSIONS = {"tấn": 1000, "tan": 1000, "tạ": 100, "ta": 100, "yến": 10, "yen": 10}
ADMIN_WORDS = {("xa",), ("phuong",), ("thi", "tran"), ("huyen",), ("tinh",)}
"""Folded level words: after an organisation they are part of its name ("hội phụ nữ xã"), not the
commune People's Committee or a commune/district/province budget."""
STOPWORDS = (
    "cho", "và", "va", "với", "voi", "hỗ trợ", "ho tro", "hỗ", "trợ", "tro", "trị giá", "tri gia", "giá trị",
    "gia tri", "kinh phí", "kinh phi", "số tiền", "so tien", "tổng", "tong", "tổng cộng", "tong cong", "gồm", "gom",
    "được", "duoc",
    "đã", "da", "các", "cac", "tại", "tai", "của", "cua", "cấp", "cap", "tặng", "tang", "trao", "phát", "phat", "nhận",
    "nhan", "ngày", "ngay", "vào", "vao", "trong đó", "trong do", "mỗi", "là", "la", "ở", "o", "đến", "den", "từ", "tu",
    "hộ", "ho", "số", "so", "lượng", "luong", "cho vay", "thực hiện", "thuc hien", "đợt", "dot", "năm", "nam",
)  # fmt: skip
QUARTER_WORDS = {"quý", "quy", "q"}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
MONTH_WORDS = {"tháng", "thang"}


@dataclass(eq=False)
class CategoryLexicon:
    spec: CategorySpec
    sort: int
    keywords: PhraseIndex
    choices: PhraseIndex
    units: PhraseIndex  # quantity, households, persons and money words after a number


@dataclass(eq=False)
class Lexicon:
    categories: list[CategoryLexicon]
    general: PhraseIndex  # organisations, beneficiary classes, funding sources
    any_units: PhraseIndex  # units when no category is known
    stopwords: PhraseIndex
    mixed_class: str | None


def measure_units(category: CategorySpec) -> list[tuple[list[str], Meaning]]:
    """(keywords, meaning) of every unit word a number may carry in this category."""
    entries: list[tuple[list[str], Meaning]] = []
    quantity = category.measure("quantity")
    if quantity is not None:
        if quantity.units:
            for option in quantity.units:
                entries.append(([option.unit_vi, *option.keywords], Meaning("quantity", option.code, priority=3)))
        else:
            code = unit_code(quantity)
            entries.append(([quantity.unit_vi, *quantity.unit_keywords], Meaning("quantity", code, priority=3)))
        single_kg = "kg" if unit_code(quantity) == "kg" else None
        kg_code = next((u.code for u in quantity.units if u.code == "kg"), single_kg)
        if kg_code is not None:
            for word, factor in KG_CONVERSIONS.items():
                entries.append(([word], Meaning("quantity", kg_code, factor=factor, priority=3)))
    households = list(HOUSEHOLD_WORDS)
    persons = list(PERSON_WORDS)
    for measure in category.measures:
        if measure.code == "households":
            households += [measure.unit_vi, fold(measure.unit_vi)]
            if "luot" in fold(measure.unit_vi):
                households += ["lượt", "luot"]
        elif measure.code == "persons":
            persons += [measure.unit_vi, fold(measure.unit_vi)]
            if "luot" in fold(measure.unit_vi):
                persons += ["lượt", "luot"]
    entries.append((households, Meaning("households", "households", priority=2)))
    entries.append((persons, Meaning("persons", "persons", priority=2)))
    return entries


def build_lexicon(catalogue: CatalogueFile) -> Lexicon:
    """Catalogue words from the one matcher; units, money and filler words added here."""
    matcher = matcher_for(catalogue)
    categories: list[CategoryLexicon] = []
    for sort, spec in enumerate(catalogue.category):
        units = PhraseIndex()
        for words, meaning in measure_units(spec):
            units.add(words, meaning)
        for word, multiplier in MONEY_WORDS.items():
            units.add([word], Meaning("money", word, factor=multiplier, priority=1))
        categories.append(CategoryLexicon(spec, sort, matcher.category_keywords[spec.code],
                                          matcher.choices[spec.code], units))

    any_units = PhraseIndex()
    quantity_codes: dict[str, set[str]] = {}
    for spec in catalogue.category:
        for words, meaning in measure_units(spec):
            if meaning.role == "quantity":
                for word in words:
                    quantity_codes.setdefault(fold(word), set()).add(meaning.code)
    for word, codes in quantity_codes.items():
        # Without a category a unit word sets the unit only when every category agrees on it.
        any_units.add([word], Meaning("quantity", next(iter(codes)) if len(codes) == 1 else "", priority=3))
    any_units.add(HOUSEHOLD_WORDS, Meaning("households", "households", priority=2))
    any_units.add(PERSON_WORDS, Meaning("persons", "persons", priority=2))
    for word, multiplier in MONEY_WORDS.items():
        any_units.add([word], Meaning("money", word, factor=multiplier, priority=1))

    stopwords = PhraseIndex()
    stopwords.add(STOPWORDS, Meaning("stop", "stop"))
    mixed = next((k.code for k in catalogue.beneficiary_class if k.code == MIXED_CLASS), None)
    return Lexicon(categories, matcher.general, any_units, stopwords, mixed)


lexicon_for = built_once_per_catalogue(build_lexicon)
"""The compiled indexes of a catalogue, built once."""
