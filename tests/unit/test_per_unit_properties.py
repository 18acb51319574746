"""Property: for any count and any per-unit figure, written in any of the ways reports and phones write a
per-unit figure, the line stores count × figure (and says how it got there), never the per-unit figure as
the total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.parsing.quick_entry import parse_quick_entry
from bot.domain.records.actions import Draft

TODAY = date(2026, 11, 23)
CATALOGUE = load_catalogue_file()


def dotted(value: int) -> str:
    """1500000 → "1.500.000", as reports group thousands."""
    return f"{value:,}".replace(",", ".")


def money_texts(dong: int) -> list[str]:
    """Every way this amount may be typed: "1.500.000đ", "1.500.000 đồng", "1500k", "1,5tr", "1,5 triệu"."""
    texts = [f"{dotted(dong)}đ", f"{dotted(dong)} đồng", f"{dotted(dong)} VNĐ", f"{dotted(dong)} đ"]
    if dong % 1000 == 0:
        texts += [f"{dong // 1000}k", f"{dong // 1000} nghìn", f"{dong // 1000} nghìn đồng", f"{dong // 1000} ngàn đ"]
    if dong % 100_000 == 0:
        millions = Decimal(dong) / 1_000_000
        shown = f"{millions.normalize():f}".replace(".", ",")
        texts += [f"{shown}tr", f"{shown} triệu", f"{shown} triệu đồng"]
    return texts


GIFT_TEMPLATES = [
    "tặng {n} suất quà, mỗi suất {p}",
    "quà tết {n} suất, {p}/suất",
    "tang {n} suat qua moi suat {p}",
    "tặng {n} suất quà trị giá {p}/suất cho hộ nghèo",
    "quà {n} suất {p} một suất",
    "gifts {n} packages {p} each",
    "{p}/suất, tặng {n} suất quà",
    "quà {n} suất x {p}",
    "quà tết {n} suất, mỗi suất là {p}",
]
LOAN_TEMPLATES = [
    "cho {n} hộ vay, mỗi hộ {p}",
    "vay vốn {n} hộ {p}/hộ",
    "cho {n} hội viên vay vốn, mỗi hội viên {p}",
    "loans {n} households {p} each",
]
RICE_TEMPLATES = [
    "gạo {n} hộ, mỗi hộ {k} kg",
    "hỗ trợ gạo {n} hộ, {k} kg/hộ",
    "gao cuu doi {n} khau moi khau {k}kg",
    "rice {n} households {k}kg each",
]

counts = st.integers(min_value=1, max_value=5_000)
prices = st.integers(min_value=1, max_value=2_000).map(lambda thousands: thousands * 1_000)


@settings(max_examples=150, deadline=None)
@given(counts, prices, st.sampled_from(GIFT_TEMPLATES), st.data())
def test_a_per_unit_price_stores_count_times_price(n: int, price: int, template: str, data: st.DataObject) -> None:
    written = data.draw(st.sampled_from(money_texts(price)))
    entry = parse_quick_entry(template.format(n=n, p=written), CATALOGUE, today=TODAY)
    draft = Draft.from_parsed(entry)
    assert (entry.category, entry.problems, entry.total_choice) == ("gift", [], None)
    assert draft.quantity == str(n) and draft.value_dong == n * price
    assert draft.reading["per_unit"]["value"]["each"] == str(price)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=2_000), st.integers(min_value=1, max_value=500),
       st.sampled_from(LOAN_TEMPLATES), st.data())
def test_a_per_household_loan_stores_households_times_amount(n: int, millions: int, template: str,
                                                              data: st.DataObject) -> None:
    price = millions * 1_000_000
    written = data.draw(st.sampled_from(money_texts(price)))
    entry = parse_quick_entry(template.format(n=n, p=written), CATALOGUE, today=TODAY)
    assert (entry.category, entry.problems, entry.total_choice) == ("loan", [], None)
    assert entry.households == n and entry.value_dong == n * price


@settings(max_examples=100, deadline=None)
@given(counts, st.integers(min_value=1, max_value=100), st.sampled_from(RICE_TEMPLATES))
def test_a_per_household_weight_stores_count_times_weight(n: int, kg: int, template: str) -> None:
    entry = parse_quick_entry(template.format(n=n, k=kg), CATALOGUE, today=TODAY)
    assert (entry.category, entry.problems, entry.total_choice) == ("rice", [], None)
    assert entry.quantity == n * kg and entry.quantity_unit == "kg"


@settings(max_examples=100, deadline=None)
@given(counts, prices, st.integers(min_value=1, max_value=10_000_000))
def test_a_written_total_is_kept_only_when_it_agrees(n: int, price: int, total_thousands: int) -> None:
    total = total_thousands * 1_000
    entry = parse_quick_entry(f"tặng {n} suất quà, mỗi suất {dotted(price)}đ, tổng {dotted(total)}đ", CATALOGUE,
                              today=TODAY)
    if total == n * price:
        assert entry.value_dong == total and entry.total_choice is None
    else:
        assert entry.total_choice == {"measure": "value", "derived": str(n * price), "written": str(total)}


_JUMBLE = ("mỗi moi mới suất hộ khẩu kg tấn x × / một each per apiece 500k 20 1,5tr 2.000 15kg trị giá tổng ? "
           "hơn trên khoảng ước quà gạo nhà vay 10 hội viên em đ đồng , ; : - % năm 2025 tháng 6 thôn 3 "
           "đơn giá bình quân 1 0 -5 a an cho từng")
READER_WORDS = _JUMBLE.split(" ")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(READER_WORDS), min_size=1, max_size=14))
def test_any_jumble_of_the_words_around_figures_reads_without_failing(words: list[str]) -> None:
    line = " ".join(words)
    entry = parse_quick_entry(line, CATALOGUE, today=TODAY)
    assert all(reason != "not_understood" for reason, _ in entry.problems), line
    Draft.from_parsed(entry).to_dict()
