"""The card says how a line was read: the per-unit derivation beside the total, the counting word that gave
a measure, ≈ on an approximate figure; and a figure changed in the form loses the note that no longer
describes it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.parsing.quick_entry import parse_quick_entry
from bot.domain.records.action_text import Localised, card_text
from bot.domain.records.actions import Draft
from bot.i18n import get_translator

CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)


def card(line: str, locale: str = "vi", draft: Draft | None = None) -> str:
    draft = draft or Draft.from_parsed(parse_quick_entry(line, CATALOGUE, today=TODAY))
    return card_text(Localised(CATALOGUE, get_translator(locale)), draft, organisation_default=None).plain()


def test_the_derivation_stands_beside_the_total() -> None:
    assert "Trị giá: 20 suất × 500.000 đ = 10 triệu đồng" in card("tặng 20 suất quà tết, 500k/suất")
    assert "Số kg gạo: 30 hộ × 15 kg = 450 kg" in card("hỗ trợ 30 hộ, mỗi hộ 15kg gạo")
    assert "Số khẩu: 10 hộ × 4 khẩu = 40 khẩu" in card("gạo 10 hộ, 4 khẩu/hộ, 15 kg/khẩu")
    assert "20 packages × 500,000 VND = " in card("gifts 20 packages 500k each", "en")


def test_the_counting_word_and_the_approximation_are_shown() -> None:
    assert "5 hội viên → Số hộ vay: 5 hộ" in card("NHCS cho 5 hội viên vay 190 triệu đồng")
    shown = card("dư nợ cho vay hộ nghèo trên 36,5 tỷ đồng, 820 hộ")
    assert "≈ 36,5 tỷ đồng" in shown and "≈ 820" not in shown


def test_a_figure_changed_in_the_form_loses_its_reading() -> None:
    draft = Draft.from_parsed(parse_quick_entry("tặng 20 suất quà, 500k/suất", CATALOGUE, today=TODAY))
    draft.set_measure("quantity", Decimal(25))  # the count changed: 20 × 500k no longer explains the value
    shown = card("", draft=draft)
    assert "×" not in shown and "25 suất" in shown and "10 triệu đồng" in shown
    loan = Draft.from_parsed(parse_quick_entry("cho 5 hội viên vay 190tr", CATALOGUE, today=TODAY))
    loan.set_measure("households", 6)
    assert "hội viên" not in card("", draft=loan)
