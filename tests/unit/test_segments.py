"""Two actions in one line: where a line is cut, what each action keeps, and the lines that stay one entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.catalogue.file import CatalogueFile, load_catalogue_file
from bot.domain.parsing.segments import split_actions
from bot.domain.records.actions import Draft, adopt_category, missing_required, skippable

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    return load_catalogue_file()


def _read(catalogue: CatalogueFile, line: str) -> list[tuple[object, ...]]:
    actions = split_actions(line, catalogue, today=TODAY)
    assert actions is not None, line
    return [(e.category, e.quantity, e.quantity_unit, dict(e.fields), e.beneficiary_class) for e in actions.entries]


def test_two_actions_are_cut_apart(catalogue: CatalogueFile) -> None:
    assert _read(catalogue, "xây mới 60 căn, sửa chữa 25 căn nhà") == [
        ("housing", Decimal(60), "can", {"build_type": "new"}, None),
        ("housing", Decimal(25), "can", {"build_type": "repair"}, None)]
    assert _read(catalogue, "quà 100 suất và gạo 500 kg") == [
        ("gift", Decimal(100), "suat", {}, None), ("rice", Decimal(500), "kg", {}, None)]
    assert _read(catalogue, "tang qua 30 suat + gao 300kg") == [
        ("gift", Decimal(30), "suat", {}, None), ("rice", Decimal(300), "kg", {}, None)]


def test_who_received_it_is_said_once_for_every_action(catalogue: CatalogueFile) -> None:
    assert _read(catalogue, "tặng 50 suất quà và 200 kg gạo cho hộ nghèo") == [
        ("gift", Decimal(50), "suat", {}, "poor"), ("rice", Decimal(200), "kg", {}, "poor")]


def test_pieces_without_a_kind_of_support_belong_to_the_action_before(catalogue: CatalogueFile) -> None:
    line = "Hỗ trợ 14 con giống bò, dê, heo; 910 bó giống cây mì; 250 kg giống bắp và lúa"
    assert [(c, q, u) for c, q, u, _f, _b in _read(catalogue, line)] == [
        ("livelihood", Decimal(14), "head"), ("livelihood", Decimal(910), "bundle"),
        ("livelihood", Decimal(250), "kg")]
    actions = split_actions("xây mới 3 căn 150tr, sửa chữa 2 căn, 60 triệu", catalogue, today=TODAY)
    assert actions is not None and [e.value_dong for e in actions.entries] == [150_000_000, 60_000_000]


def test_a_total_of_all_the_actions_is_left_out_and_named(catalogue: CatalogueFile) -> None:
    actions = split_actions("xây mới 6 căn, sửa chữa 2 căn, tổng kinh phí 400 triệu", catalogue, today=TODAY)
    assert actions is not None
    assert [e.value_dong for e in actions.entries] == [None, None] and actions.shared == "tổng kinh phí 400 triệu"


@pytest.mark.parametrize("line", [
    "gạo 45 hộ, 108 khẩu, 5410kg, 81,15tr",  # one action, its figures separated by commas
    "gạo tết 30 hộ 120 khẩu 300kg 4,5tr",  # a decimal comma is not a separator
    "tặng 1.100 suất quà trị giá 197,9 triệu đồng cho phụ nữ nghèo, hộ cận nghèo",
    "quà tết 50 suất, tổng 10tr",
    "vay vốn nước sạch và vệ sinh môi trường 5 hộ 100tr",
    "gạo 10 hộ 100kg, gạo 20 hộ 200kg",  # the same kind twice: not told apart, read as one (a conflict)
    "bò 5 con, 20 triệu",
    "quà 100 suất",
])
def test_lines_that_stay_one_entry(catalogue: CatalogueFile, line: str) -> None:
    assert split_actions(line, catalogue, today=TODAY) is None


def test_a_figure_may_be_skipped_while_another_is_there_or_still_to_come(catalogue: CatalogueFile) -> None:
    livelihood = catalogue.category_by_code("livelihood")
    insurance = catalogue.category_by_code("health_insurance")
    assert livelihood is not None and insurance is not None
    with_money = Draft(category="livelihood", households=27, value_dong=81_269_900)
    assert missing_required(with_money, catalogue) == ["quantity"]
    assert skippable(with_money, livelihood, "quantity")
    with_money.skipped = ["quantity"]
    assert missing_required(with_money, catalogue) == []
    empty = Draft(category="livelihood")
    assert skippable(empty, livelihood, "quantity", ["households", "value"])
    assert not skippable(empty, livelihood, "value", [])  # the last figure left
    assert not skippable(Draft(category="health_insurance"), insurance, "quantity", ["beneficiary_class"])
    empty.skipped = ["quantity", "households", "value"]
    assert missing_required(empty, catalogue) == ["quantity"]  # a record needs one figure


def test_a_category_picked_for_loose_figures_keeps_what_it_counts(catalogue: CatalogueFile) -> None:
    loan, rice, gift = (catalogue.category_by_code(code) for code in ("loan", "rice", "gift"))
    assert loan is not None and rice is not None and gift is not None
    draft = Draft(households=12, persons=40, value_dong=6_000_000)
    assert adopt_category(draft, loan) is True and (draft.households, draft.persons) == (12, None)
    kg = Draft(households=10, quantity="150", quantity_unit="kg")
    assert adopt_category(kg, rice) is False and (kg.quantity, kg.quantity_unit) == ("150", "kg")
    kg = Draft(households=10, quantity="150", quantity_unit="kg")
    assert adopt_category(kg, gift) is True and kg.quantity is None


@pytest.mark.parametrize("line", [
    "gạo 45 hộ, 5410kg",  # "5410kg" alone names no kind of support, only a unit
    "xây mới 60 căn nhà Đại đoàn kết, mỗi căn 50 triệu đồng",  # a per-unit figure of the same houses
    "quà tết 20 suất, mỗi suất 500k",
])
def test_a_piece_that_names_no_kind_in_words_is_not_an_action(catalogue: CatalogueFile, line: str) -> None:
    assert split_actions(line, catalogue, today=TODAY) is None


def test_a_piece_naming_its_kind_by_a_choice_or_a_keyword_is_an_action(catalogue: CatalogueFile) -> None:
    assert [e.category for e in split_actions("gạo 100kg, tiền mặt 5 triệu", catalogue, today=TODAY).entries] == [  # type: ignore[union-attr]
        "rice", "cash_goods"]


@pytest.mark.parametrize("line", [
    "Trao 200 suất quà (mỗi suất 300.000đ và 10kg gạo)",  # inside brackets: what one gift holds
    "Cho 258 hộ vay vốn làm công trình vệ sinh, nước sinh hoạt; kinh phí cho vay đạt 113 tỷ đồng.",  # its value
    "Trao tặng 50 suất quà cho hộ nghèo, mỗi suất gồm 10kg gạo và 200.000 đồng tiền mặt.",  # a per-unit figure
])
def test_what_describes_one_action_is_not_a_second_one(catalogue: CatalogueFile, line: str) -> None:
    assert split_actions(line, catalogue, today=TODAY) is None
