"""The quick-entry lexicon: the catalogue's words (through the one matcher, `bot.domain.parsing.matcher`)
plus the words only a one-line entry needs - units after a number, money words, filler words.

Built once per catalogue; `bot.domain.parsing.entry_reader` reads a line against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.catalogue.file import CatalogueFile, CategorySpec, Measure, built_once_per_catalogue
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


HOUSEHOLD_WORDS = (
    "hộ", "ho", "hộ gia đình", "ho gia dinh", "hgđ", "hgd", "gia đình", "gia dinh", "hộ dân", "ho dan",
    "địa chỉ", "dia chi", "lượt hộ", "luot ho", "households", "household", "hh", "families", "family",
)  # fmt: skip
PERSON_WORDS = (
    "khẩu", "khau", "nhân khẩu", "nhan khau", "người", "nguoi", "người tham gia", "nguoi tham gia",
    "học viên", "hoc vien", "lượt người", "luot nguoi", "học sinh", "hoc sinh", "hs", "em",
    "lượt học sinh", "luot hoc sinh",
)  # fmt: skip
COUNTING_WORDS = (
    "hội viên", "hoi vien", "đoàn viên", "doan vien", "thành viên", "thanh vien", "cháu", "chau", "em học sinh",
    "em hoc sinh", "cháu học sinh", "chau hoc sinh", "sinh viên", "sinh vien", "học sinh sinh viên",
    "hoc sinh sinh vien", "hssv", "lao động", "lao dong", "người lao động", "nguoi lao dong", "đối tượng",
    "doi tuong", "trẻ", "tre", "trẻ em", "tre em", "cụ", "người dân", "nguoi dan", "người nghèo", "nguoi ngheo",
    "lượt hội viên", "luot hoi vien", "lượt lao động", "luot lao dong", "lượt đoàn viên", "luot doan vien",
    "lượt em", "luot em", "people", "persons", "person", "members", "member", "students", "student", "pupils", "pupil",
    "children", "child", "kids", "workers", "participants", "trainees", "residents",
)  # fmt: skip
"""People counted in the words reports use ("5 hội viên", "30 em", "12 lao động"): the category's persons
measure when it has one, else its households (a loan to 5 members is a loan to 5 households)."""
COUNT_ADJECTIVES = frozenset({
    "poor", "near", "near-poor", "nearpoor", "needy", "disadvantaged", "ethnic", "minority", "newly", "escaped",
    "hardship", "war", "war-merit", "merit", "policy", "vulnerable", "elderly", "disabled", "low-income", "lonely",
    "single", "orphaned", "local", "rural", "female", "women", "young", "struggling", "affected", "flood-hit",
    "new", "other", "more",
})  # fmt: skip
"""Folded English words that may stand between a count and the people it counts ("25 poor households")."""
MONEY_WORDS: dict[str, int] = {
    "k": 1_000, "nghìn": 1_000, "nghin": 1_000, "ngàn": 1_000, "ngan": 1_000,
    "tr": 1_000_000, "triệu": 1_000_000, "trieu": 1_000_000, "trđ": 1_000_000, "trd": 1_000_000,
    "tỷ": 1_000_000_000, "ty": 1_000_000_000, "tỉ": 1_000_000_000, "ti": 1_000_000_000,
    "đ": 1, "d": 1, "đồng": 1, "dong": 1, "vnd": 1, "vnđ": 1,
    "nghìn đồng": 1_000, "nghin dong": 1_000, "ngàn đồng": 1_000, "ngan dong": 1_000,
    "triệu đồng": 1_000_000, "trieu dong": 1_000_000, "tr đồng": 1_000_000, "tr dong": 1_000_000,
    "tỷ đồng": 1_000_000_000, "ty dong": 1_000_000_000, "tỉ đồng": 1_000_000_000, "ti dong": 1_000_000_000,
    "m": 1_000_000, "mil": 1_000_000, "million": 1_000_000, "millions": 1_000_000, "thousand": 1_000,
    "bn": 1_000_000_000, "billion": 1_000_000_000, "million vnd": 1_000_000, "million dong": 1_000_000,
    "billion vnd": 1_000_000_000, "billion dong": 1_000_000_000,
}  # fmt: skip
KG_CONVERSIONS = {"tấn": 1000, "tan": 1000, "tạ": 100, "ta": 100, "yến": 10, "yen": 10, "tonnes": 1000, "tonne": 1000,
                  "tons": 1000, "ton": 1000}
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
    "tổng trị giá", "tong tri gia", "tổng giá trị", "tong gia tri", "tổng số tiền", "tong so tien", "tổng kinh phí",
    "tong kinh phi", "kinh phí thực hiện", "kinh phi thuc hien", "thành tiền", "thanh tien", "dư nợ", "du no",
    "đạt", "dat", "có", "co", "thăm", "tham", "thăm hỏi", "tham hoi", "trao tặng", "trao tang", "giúp", "giup",
    "giúp đỡ", "giup do", "kịp thời", "kip thoi", "tổ chức", "to chuc", "vận động", "van dong", "triển khai",
    "trien khai", "bằng", "bang", "tiền", "tien", "nhân dịp", "nhan dip", "dịp", "dip", "trên địa bàn",
    "tren dia ban", "địa bàn", "dia ban", "các hộ", "cac ho", "những", "nhung", "với tổng", "voi tong",
    "total", "in total", "totalling", "totaling", "worth", "value", "valued at", "with", "for", "of", "and", "to",
    "gave", "given", "give", "provided", "provide", "support", "supported", "the", "a", "an", "at", "in",
    "amount", "amounting to", "cost", "costing", "on", "was", "were",
)  # fmt: skip
LABELS = (
    "tổng số tiền", "tong so tien", "số tiền", "so tien", "thành tiền", "thanh tien", "tổng trị giá", "tong tri gia",
    "tổng giá trị", "tong gia tri", "tổng kinh phí", "tong kinh phi", "kinh phí", "kinh phi", "trị giá", "tri gia",
    "giá trị", "gia tri", "tổng cộng", "tong cong", "tổng", "tong", "total value", "total",
    "worth", "value", "valued at", "amount",
)  # fmt: skip
"""Words before a figure that only say what it is ("tổng số tiền 3 tỷ"): read before the category, so the
"tiền" of "số tiền" is not cash support and "tổng" does not make the line a question."""
APPROXIMATE = (
    "hơn", "hon", "trên", "tren", "gần", "gan", "khoảng", "khoang", "ước", "uoc", "ước tính", "uoc tinh",
    "ước thực hiện", "uoc thuc hien", "ước đạt", "uoc dat", "xấp xỉ", "xap xi", "gần như", "ngót", "chừng", "tầm",
    "cỡ", "trên dưới", "tren duoi", "dự kiến", "du kien", "over", "about", "around", "approx", "approximately",
    "nearly", "almost", "roughly", "more than", "some", "~", "≈",
)  # fmt: skip
APPROXIMATE_AHEAD = {"uoc", "uoc tinh", "uoc thuc hien", "uoc dat", "du kien"}
"""Approximation words that may stand a few words before their figure ("ước thực hiện cho vay 2 tỷ")."""
"""Words that make the figure after them approximate ("hơn 3 tỷ", "trên 36,5 tỷ"). "chừng", "tầm", "cỡ" only
with their diacritics typed: folded they are "chung", "tam", "co" (chung tay, nhà tạm, có)."""
NEEDS_MARKS = {"chung", "tam", "co", "ngot"}
PER_WORDS = ("mỗi", "moi", "mỗi một", "moi mot", "từng", "tung", "each", "per", "every", "cho mỗi", "cho moi")
"""Before a counting word: the figure next to them is per unit ("mỗi suất 500k", "15 kg mỗi hộ")."""
AFTER_FIGURE_PER = ("một", "mot", "a", "an", "/")
"""Per unit only right after a figure ("500k một suất", "500k/suất", "15 kg / 1 khẩu")."""
EACH_WORDS = ("each", "apiece")
"""Per unit with no counting word after it ("500k each"): the count is the category's main one."""
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
    labels: PhraseIndex
    approximate: PhraseIndex


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
    has_persons = category.measure("persons") is not None
    for measure in category.measures:
        english = [measure.unit_en, measure.unit_en.removesuffix("s")]
        if measure.code == "quantity" and not measure.units:
            entries.append((english, Meaning("quantity", unit_code(measure), priority=3)))
        for option in measure.units:
            entries.append(([option.unit_en, option.unit_en.removesuffix("s")],
                            Meaning("quantity", option.code, priority=3)))
        if measure.code == "households":
            households += [measure.unit_vi, fold(measure.unit_vi)]
            if "luot" in fold(measure.unit_vi):
                households += ["lượt", "luot"]
        elif measure.code == "persons":
            persons += [measure.unit_vi, fold(measure.unit_vi)]
            if "luot" in fold(measure.unit_vi):
                persons += ["lượt", "luot"]
    has_households = category.measure("households") is not None
    counted = "persons" if has_persons or not has_households else "households"
    if counted == "households":  # "cho 11 người vay", "quà cho 30 em": people of a category that counts households
        entries.append((persons, Meaning("households", "households", field_code="counted", priority=2)))
    if not has_persons and not has_households and quantity is not None:
        # No household or person count (cash handed out): one household or person is one "lượt".
        times = [o.code for o in quantity.units if fold(o.unit_vi) == "luot"]
        if times or (fold(quantity.unit_vi) == "luot" and not quantity.units):
            code = times[0] if times else unit_code(quantity)
            entries.append(([*COUNTING_WORDS, *HOUSEHOLD_WORDS, *PERSON_WORDS],
                            Meaning("quantity", code, field_code="counted", priority=2)))
            return entries
    if has_persons and not has_households:  # "viện phí 15 hộ": a category that counts people only
        entries.append((households, Meaning("persons", "persons", field_code="counted", priority=2)))
    else:
        entries.append((households, Meaning("households", "households", priority=2)))
    if counted == "persons":
        entries.append((persons, Meaning("persons", "persons", priority=2)))
    entries.append((list(COUNTING_WORDS), Meaning(counted, counted, field_code="counted", priority=2)))
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
    quantity_codes: dict[str, tuple[set[str], set[str], int]] = {}
    for spec in catalogue.category:
        for words, meaning in measure_units(spec):
            if meaning.role == "quantity" and meaning.field_code != "counted":
                for word in words:
                    codes, spellings, _ = quantity_codes.setdefault(fold(word), (set(), set(), meaning.factor))
                    codes.add(meaning.code)
                    spellings.add(word)
    for codes, spellings, factor in quantity_codes.values():
        # Without a category a unit word sets the unit only when every category agrees on it; its spellings
        # keep their diacritics ("thẻ" is not "thế") and a weight its factor to kg ("1,5 tấn").
        any_units.add(sorted(spellings), Meaning("quantity", next(iter(codes)) if len(codes) == 1 else "",
                                                 factor=factor, priority=3))
    any_units.add(HOUSEHOLD_WORDS, Meaning("households", "households", priority=2))
    any_units.add(PERSON_WORDS, Meaning("persons", "persons", priority=2))
    any_units.add(COUNTING_WORDS, Meaning("persons", "persons", field_code="counted", priority=2))
    for word, multiplier in MONEY_WORDS.items():
        any_units.add([word], Meaning("money", word, factor=multiplier, priority=1))

    stopwords = PhraseIndex()
    stopwords.add(STOPWORDS, Meaning("stop", "stop"))
    mixed = next((k.code for k in catalogue.beneficiary_class if k.code == MIXED_CLASS), None)
    labels = PhraseIndex()
    labels.add(LABELS, Meaning("label", "label"))
    approximate = PhraseIndex()
    approximate.add(APPROXIMATE, Meaning("approximate", "approximate"))
    return Lexicon(categories, matcher.general, any_units, stopwords, mixed, labels, approximate)


lexicon_for = built_once_per_catalogue(build_lexicon)
"""The compiled indexes of a catalogue, built once."""
