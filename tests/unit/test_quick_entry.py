"""One-line quick entry against the real catalogue: realistic phrasings, good and bad.

Each row gives the line an officer types and everything the parser must make of it; attributes
not listed must stay empty, so a row also proves nothing extra was guessed.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.domain.catalogue.file import CatalogueFile, load_catalogue_file
from bot.domain.parsing.quick_entry import ParsedEntry, parse_quick_entry, unit_code
from bot.domain.records.actions import Draft, missing_required

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    return load_catalogue_file()


def summary(entry: ParsedEntry) -> dict[str, Any]:
    """The non-empty attributes of an entry, for whole-row comparison."""
    return {key: value for key, value in vars(entry).items() if value not in (None, [], {}) and value is not False}


def Q(value: str | int) -> Decimal:
    return Decimal(value)


ROWS: list[tuple[str, dict[str, Any]]] = [
    # ── rice (gạo)
    ("gạo 45 hộ 108 khẩu 5410kg 81,15tr",
     dict(category="rice", households=45, persons=108, quantity=Q(5410), quantity_unit="kg", value_dong=81_150_000)),
    ("gao 45 ho 108 khau 5410kg 81,15tr",
     dict(category="rice", households=45, persons=108, quantity=Q(5410), quantity_unit="kg", value_dong=81_150_000)),
    ("81,15tr 5410kg 108 khẩu 45 hộ gạo",
     dict(category="rice", households=45, persons=108, quantity=Q(5410), quantity_unit="kg", value_dong=81_150_000)),
    ("gạo: 45 hộ; 108 khẩu; 5.410 kg; 81,15 tr.",
     dict(category="rice", households=45, persons=108, quantity=Q(5410), quantity_unit="kg", value_dong=81_150_000)),
    ("cấp gạo cứu đói tết 740 hộ 3.026 khẩu 45.390 kg",
     dict(category="rice", households=740, persons=3026, quantity=Q(45390), quantity_unit="kg",
          fields={"kind": "tet_relief"})),
    ("gao giap hat 20 ho 600 kg ngan sach tinh hom qua",
     dict(category="rice", households=20, quantity=Q(600), quantity_unit="kg", funding_source="budget_province",
          fields={"kind": "lean_season"}, action_date=date(2026, 11, 22))),
    ("gạo 1,5 tấn 30 hộ nghèo quỹ vì người nghèo",
     dict(category="rice", households=30, quantity=Q(1500), quantity_unit="kg", beneficiary_class="poor",
          funding_source="fund_for_the_poor")),
    ("hỗ trợ gạo hằng tháng 12 hộ 360kg mttq",
     dict(category="rice", households=12, quantity=Q(360), quantity_unit="kg", organisation="fatherland_front",
          fields={"kind": "monthly"})),
    ("gạo 3 tạ 5 hộ", dict(category="rice", households=5, quantity=Q(300), quantity_unit="kg")),
    ("gao 5 ho 100kg moi thoat ngheo",
     dict(category="rice", households=5, quantity=Q(100), quantity_unit="kg", beneficiary_class="escaped")),
    ("gạo 5 hộ 100kg hộ có hoàn cảnh khó khăn",
     dict(category="rice", households=5, quantity=Q(100), quantity_unit="kg", beneficiary_class="hardship")),
    ("gạo 5 khẩu 50kg bảo trợ xã hội cứu trợ thiên tai",
     dict(category="rice", persons=5, quantity=Q(50), quantity_unit="kg", beneficiary_class="social_protection",
          funding_source="disaster_relief_fund")),
    ("GẠO 45 HỘ 500KG HPN",
     dict(category="rice", households=45, quantity=Q(500), quantity_unit="kg", organisation="womens_union")),
    ("gao 5 ho can ngheo 100kg",
     dict(category="rice", households=5, quantity=Q(100), quantity_unit="kg", beneficiary_class="near_poor")),
    # ── dates
    ("ngày 15 tháng 6 năm 2025 gạo 10 hộ 200kg",
     dict(category="rice", households=10, quantity=Q(200), quantity_unit="kg", action_date=date(2025, 6, 15))),
    ("gạo 10 hộ 200kg ngày 15/6/2025",
     dict(category="rice", households=10, quantity=Q(200), quantity_unit="kg", action_date=date(2025, 6, 15))),
    ("gạo 10 hộ 200kg hôm kia",
     dict(category="rice", households=10, quantity=Q(200), quantity_unit="kg", action_date=date(2026, 11, 21))),
    ("hom qua gao 5 ho 50kg",
     dict(category="rice", households=5, quantity=Q(50), quantity_unit="kg", action_date=date(2026, 11, 22))),
    ("gạo 5 hộ 50kg 24/11",  # no year and later than today: last year
     dict(category="rice", households=5, quantity=Q(50), quantity_unit="kg", action_date=date(2025, 11, 24))),
    # ── gift packages (quà)
    ("quà tết 356 hộ 571 suất 192,75 triệu",
     dict(category="gift", households=356, quantity=Q(571), quantity_unit="suat", value_dong=192_750_000,
          fields={"occasion": "tet"})),
    ("qua tet 356 ho 571 suat 192,75 trieu",
     dict(category="gift", households=356, quantity=Q(571), quantity_unit="suat", value_dong=192_750_000,
          fields={"occasion": "tet"})),
    ("tặng 1.100 suất quà trị giá 197,9 triệu đồng cho phụ nữ nghèo, hộ cận nghèo",
     dict(category="gift", quantity=Q(1100), quantity_unit="suat", value_dong=197_900_000,
          organisation="womens_union", beneficiary_class="mixed")),
    ("hpn tang 50 suat qua trung thu 25tr",
     dict(category="gift", quantity=Q(50), quantity_unit="suat", value_dong=25_000_000, organisation="womens_union",
          fields={"occasion": "mid_autumn"})),
    ("quà 17/10 50 suất 10tr đồng bào dtts",  # 17/10 is the occasion, not a date
     dict(category="gift", quantity=Q(50), quantity_unit="suat", value_dong=10_000_000,
          beneficiary_class="ethnic_minority", fields={"occasion": "poor_day"})),
    ("qua 1/6 30 suat hs ngheo doan tn",
     dict(category="gift", quantity=Q(30), quantity_unit="suat", organisation="youth_union",
          beneficiary_class="poor_pupil", fields={"occasion": "children_day"})),
    ("quà 20 suất 1.500.000đ chữ thập đỏ xã hội hóa",
     dict(category="gift", quantity=Q(20), quantity_unit="suat", value_dong=1_500_000, organisation="red_cross",
          funding_source="socialised")),
    ("quà 10 suất 2 triệu 500 đồng", dict(category="gift", quantity=Q(10), quantity_unit="suat", value_dong=2_500_000)),
    ("quà 5 suất 1tr5 người có công",
     dict(category="gift", quantity=Q(5), quantity_unit="suat", value_dong=1_500_000, beneficiary_class="merit")),
    ("quà 5 suất 1ty2", dict(category="gift", quantity=Q(5), quantity_unit="suat", value_dong=1_200_000_000)),
    ("qua 10 suat 5tr hoi phu nu xa",  # "xã" names the union's level, not the commune budget
     dict(category="gift", quantity=Q(10), quantity_unit="suat", value_dong=5_000_000, organisation="womens_union")),
    ("qua 10 suat 5tr ubnd xa",
     dict(category="gift", quantity=Q(10), quantity_unit="suat", value_dong=5_000_000, organisation="commune_pc")),
    ("quà 8 suất 800.000 hội cựu chiến binh",  # grouped bare number = money
     dict(category="gift", quantity=Q(8), quantity_unit="suat", value_dong=800_000, organisation="veterans")),
    # ── housing (nhà ở)
    ("sua nha 2 can 80tr hoi phu nu",
     dict(category="housing", quantity=Q(2), quantity_unit="can", value_dong=80_000_000, organisation="womens_union",
          fields={"build_type": "repair"})),
    ("sửa nhà 2 căn 80 triệu hội phụ nữ",
     dict(category="housing", quantity=Q(2), quantity_unit="can", value_dong=80_000_000, organisation="womens_union",
          fields={"build_type": "repair"})),
    ("xây mới 11 căn nhà đại đoàn kết 550tr mttq",
     dict(category="housing", quantity=Q(11), quantity_unit="can", value_dong=550_000_000,
          organisation="fatherland_front", fields={"build_type": "new"})),
    ("xay moi 1 can nha dai doan ket 60tr ho ngheo da ban giao",
     dict(category="housing", quantity=Q(1), quantity_unit="can", value_dong=60_000_000, beneficiary_class="poor",
          fields={"build_type": "new", "status": "finished"})),
    ("mái ấm tình thương 1 căn 50tr hội lhpn",
     dict(category="housing", quantity=Q(1), quantity_unit="can", value_dong=50_000_000, organisation="womens_union",
          funding_source="fund_mai_am")),
    ("sửa chữa nhà 3 căn 90 triệu quỹ mái ấm",
     dict(category="housing", quantity=Q(3), quantity_unit="can", value_dong=90_000_000, funding_source="fund_mai_am",
          fields={"build_type": "repair"})),
    ("nhà 2 cái 40tr đang xây",
     dict(category="housing", quantity=Q(2), quantity_unit="can", value_dong=40_000_000,
          fields={"status": "in_progress"})),
    # ── loans (vay vốn)
    # "nhcsxh" and "hội nông dân" are lenders here: the entry stays credited to the reporter's organisation
    ("vay von 12 ho 600tr nhcsxh",
     dict(category="loan", households=12, value_dong=600_000_000, funding_source="vbsp_loan",
          fields={"lender": "vbsp"})),
    ("cho 258 hộ vay vốn nước sạch vsmt 113 tỷ",
     dict(category="loan", households=258, value_dong=113_000_000_000, fields={"purpose": "water_sanitation"})),
    ("vay vốn 5 hộ 250tr hội nông dân sản xuất kinh doanh",
     dict(category="loan", households=5, value_dong=250_000_000,
          fields={"purpose": "business", "lender": "farmers_fund"})),
    ("cho vay 3 hộ 1 tỷ 200 triệu agribank giải quyết việc làm",
     dict(category="loan", households=3, value_dong=1_200_000_000,
          fields={"purpose": "employment", "lender": "agribank"})),
    # ── sanitation and clean water
    ("nhà tiêu hợp vệ sinh 20 công trình 60tr ccb",
     dict(category="sanitation", quantity=Q(20), quantity_unit="cong_trinh", value_dong=60_000_000,
          organisation="veterans", fields={"kind": "latrine"})),
    ("nuoc sach 15 ho 12 gieng 90tr xhh",
     dict(category="sanitation", households=15, quantity=Q(12), quantity_unit="cong_trinh", value_dong=90_000_000,
          funding_source="socialised", fields={"kind": "clean_water"})),
    ("công trình vệ sinh 8 ct 8 hộ cận nghèo ngân sách huyện",
     dict(category="sanitation", households=8, quantity=Q(8), quantity_unit="cong_trinh",
          beneficiary_class="near_poor", funding_source="budget_district")),
    # ── health insurance (BHYT)
    ("the bhyt 120 the ho ngheo ns trung uong",
     dict(category="health_insurance", quantity=Q(120), quantity_unit="the", beneficiary_class="poor",
          funding_source="budget_central")),
    ("cấp thẻ bảo hiểm y tế 45 thẻ cận nghèo",
     dict(category="health_insurance", quantity=Q(45), quantity_unit="the", beneficiary_class="near_poor")),
    ("50 thẻ hộ nghèo",  # no category keyword, but only BHYT counts in thẻ
     dict(category="health_insurance", quantity=Q(50), quantity_unit="the", beneficiary_class="poor")),
    # ── health care (the reports' words: khám chữa bệnh, viện phí, thăm ốm)
    ("khám chữa bệnh 30 lượt 15tr",
     dict(category="health_care", persons=30, value_dong=15_000_000, fields={"kind": "treatment"})),
    ("ho tro vien phi 3 nguoi 9tr",
     dict(category="health_care", persons=3, value_dong=9_000_000, fields={"kind": "hospital_fees"})),
    ("khám chữa bệnh 30 lượt người nghèo 15tr",
     dict(category="health_care", persons=30, value_dong=15_000_000, fields={"kind": "treatment"},
          beneficiary_class="poor")),
    ("thăm ốm 12 người 6 triệu",
     dict(category="health_care", persons=12, value_dong=6_000_000, fields={"kind": "sick_visit"})),
    # ── the reports' names for other kinds of support
    ("hỗ trợ sản xuất cho 27 hộ nghèo, 81.269.900 đồng",
     dict(category="livelihood", households=27, value_dong=81_269_900, beneficiary_class="poor")),
    ("xóa nhà tạm 5 căn 250tr", dict(category="housing", quantity=Q(5), quantity_unit="can", value_dong=250_000_000)),
    ("trợ cấp 10 lượt 5tr", dict(category="cash_goods", quantity=Q(10), quantity_unit="time", value_dong=5_000_000)),
    # ── education
    ("hỗ trợ chi phí học tập 2.309 học sinh 945.650.000đ",
     dict(category="education", persons=2309, value_dong=945_650_000, fields={"kind": "study_costs"})),
    ("hoc phi 35 hs ngheo 17,5tr",
     dict(category="education", persons=35, value_dong=17_500_000, beneficiary_class="poor_pupil",
          fields={"kind": "fee_exemption"})),
    ("học bổng 10 học sinh 20 triệu hội khuyến học",
     dict(category="education", persons=10, value_dong=20_000_000, organisation="study_promotion",
          fields={"kind": "scholarship"})),
    # ── electricity
    ("tiền điện quý 3 120 lượt hộ 18tr",
     dict(category="electricity", households=120, value_dong=18_000_000, fields={"quarter": "3"})),
    ("tien dien 200 ho q2 35tr ngan sach xa",
     dict(category="electricity", households=200, value_dong=35_000_000, funding_source="budget_commune",
          fields={"quarter": "2"})),
    # ── livelihood
    ("con giống 5 con bò 75tr hội nông dân hộ cận nghèo",
     dict(category="livelihood", quantity=Q(5), quantity_unit="head", value_dong=75_000_000,
          organisation="farmers_association", beneficiary_class="near_poor", fields={"kind": "livestock"})),
    ("910 bó giống cây mì",
     dict(category="livelihood", quantity=Q(910), quantity_unit="bundle", fields={"kind": "seedlings"})),
    ("910 bo mi", dict(category="livelihood", quantity=Q(910), quantity_unit="bundle", fields={"kind": "seedlings"})),
    ("250 kg giống bắp",
     dict(category="livelihood", quantity=Q(250), quantity_unit="kg", fields={"kind": "seedlings"})),
    ("cay giong 2000 cay 10tr hoi nong dan",
     dict(category="livelihood", quantity=Q(2000), quantity_unit="plant", value_dong=10_000_000,
          organisation="farmers_association", fields={"kind": "seedlings"})),
    # ── labour
    ("567 ngày công đoàn thanh niên",
     dict(category="labour", quantity=Q(567), quantity_unit="ngay_cong", organisation="youth_union")),
    ("ngay cong 40 ngay cuu chien binh ho ngheo",
     dict(category="labour", quantity=Q(40), quantity_unit="ngay_cong", organisation="veterans",
          beneficiary_class="poor")),
    # ── cash and goods
    ("tiền mặt 20 lượt 10tr công ty",
     dict(category="cash_goods", quantity=Q(20), quantity_unit="time", value_dong=10_000_000, organisation="donor",
          fields={"kind": "cash"})),
    ("chăn ấm 30 chiếc chữ thập đỏ",
     dict(category="cash_goods", quantity=Q(30), quantity_unit="piece", organisation="red_cross",
          fields={"kind": "blankets"})),
    ("quan ao 100 bo doan thanh nien",
     dict(category="cash_goods", quantity=Q(100), quantity_unit="set", organisation="youth_union",
          fields={"kind": "clothes"})),
    # ── training
    ("tập huấn khuyến nông 2 buổi 80 người 15/11",
     dict(category="training", quantity=Q(2), quantity_unit="buoi", persons=80, fields={"kind": "agri_extension"},
          action_date=date(2026, 11, 15))),
    ("day nghe 1 lop 30 nguoi hoi nong dan",
     dict(category="training", quantity=Q(1), quantity_unit="buoi", persons=30, organisation="farmers_association",
          fields={"kind": "vocational"})),
    # ── partial lines: the form asks for the rest
    ("45 hộ 2tr", dict(households=45, value_dong=2_000_000)),
    ("hội phụ nữ", dict(organisation="womens_union")),
    ("1.500.000", dict(value_dong=1_500_000)),
    ("gao 150000", dict(category="rice", value_dong=150_000)),
    # ── bad lines
    ("", {}),
    ("   ", {}),
    ("xin chào", dict(unknown=["xin", "chào"])),
    ("/start", dict(unknown=["start"])),
    ("!!! ??? ...", {}),
    ("🍚 gạo 5 hộ 🙏", dict(category="rice", households=5)),
    ("45", dict(problems=[("ambiguous_number", "45")])),
    ("gao 1,5", dict(category="rice", problems=[("ambiguous_number", "1,5")])),
    ("gạo -5 hộ", dict(category="rice", problems=[("negative", "-5 hộ")])),
    ("gạo 0 kg", dict(category="rice", problems=[("zero", "0 kg")])),
    ("gạo 12a hộ", dict(category="rice", problems=[("not_a_number", "12a")])),
    ("gạo 5 hộ 999999 tỷ", dict(category="rice", households=5, problems=[("too_large", "999999 tỷ")])),
    ("gạo 20000000 hộ", dict(category="rice", problems=[("too_large", "20000000 hộ")])),
    ("gạo 5 hộ 2.000.000 tấn", dict(category="rice", households=5, problems=[("too_large", "2.000.000 tấn")])),
    ("gạo 10 hộ 24/11/2026", dict(category="rice", households=10, problems=[("future", "24/11/2026")])),
    ("gạo 5 hộ 12/13", dict(category="rice", households=5, problems=[("not_a_date", "12/13")])),
    ("gạo gạo 5 hộ 6 hộ", dict(category="rice", households=5, problems=[("conflict", "6 hộ")])),
    ("gạo 5tr 6tr", dict(category="rice", value_dong=5_000_000, problems=[("conflict", "6tr")])),
    ("quà 5 suất 1tr quỹ hội đóng góp",
     dict(category="gift", quantity=Q(5), quantity_unit="suat", value_dong=1_000_000,
          funding_source="association_fund", problems=[("conflict", "đóng góp")])),
    ("bhyt 50 thẻ 20 hộ",  # BHYT records cards, not households
     dict(category="health_insurance", quantity=Q(50), quantity_unit="the",
          problems=[("unexpected_measure", "20 hộ")])),
    ("vay vốn khác 5 hộ 100tr",  # "khác" could be the lender or the purpose: not guessed
     dict(category="loan", households=5, value_dong=100_000_000, unknown=["khác"])),
    ("gạo 5 hộ thôn Ea Tam",
     dict(category="rice", households=5, unknown=["thôn", "Ea", "Tam"])),
]


def test_table_is_large_and_covers_every_category(catalogue: CatalogueFile) -> None:
    assert len(ROWS) >= 60
    covered = {expected.get("category") for _, expected in ROWS}
    assert {c.code for c in catalogue.category} <= covered


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[text[:40] or "<empty>" for text, _ in ROWS])
def test_quick_entry(catalogue: CatalogueFile, text: str, expected: dict[str, Any]) -> None:
    entry = parse_quick_entry(text, catalogue, today=TODAY)
    assert summary(entry) == expected
    assert entry.is_empty() == (not {k for k in expected if k not in ("unknown", "problems")})


def test_decomposed_unicode_reads_like_composed(catalogue: CatalogueFile) -> None:
    composed = parse_quick_entry("Gạo 45 Hộ Nghèo 5410kg", catalogue, today=TODAY)
    decomposed = parse_quick_entry(unicodedata.normalize("NFD", "Gạo 45 Hộ Nghèo 5410kg"), catalogue, today=TODAY)
    assert summary(composed) == summary(decomposed)
    assert composed.beneficiary_class == "poor" and composed.households == 45


def test_typed_diacritics_that_contradict_a_keyword_do_not_match(catalogue: CatalogueFile) -> None:
    bundle = parse_quick_entry("sinh kế 910 bó", catalogue, today=TODAY)
    cows = parse_quick_entry("sinh kế 14 con bò", catalogue, today=TODAY)
    assert (bundle.quantity_unit, bundle.fields) == ("bundle", {})
    assert (cows.quantity_unit, cows.fields) == ("head", {"kind": "livestock"})


def test_whole_words_only(catalogue: CatalogueFile) -> None:
    entry = parse_quick_entry("tien mat 5 luot 1tr", catalogue, today=TODAY)
    assert entry.organisation is None, "'tn' must not match inside 'tien'"
    assert entry.category == "cash_goods"


def test_four_thousand_characters_do_not_crash(catalogue: CatalogueFile) -> None:
    text = ("gạo 45 hộ nghèo hôm qua xin chào 12a 🙏 " * 200)[:4000]
    entry = parse_quick_entry(text, catalogue, today=TODAY)
    assert entry.category == "rice" and entry.households == 45
    assert ("not_a_number", "12a") in entry.problems
    assert "xin" in entry.unknown


@pytest.mark.parametrize(
    "text",
    ["🙏" * 500, "-" * 4000, "1" * 4000, "1." * 2000, "đ" * 4000, "\u0301" * 100, "gạo\x00 5 hộ", "/log gạo 5 hộ",
     "ngày ngày ngày", "15/", "tháng 6", "quý", "1tr" * 500, "−", "+ 5"],
)
def test_odd_input_never_raises(catalogue: CatalogueFile, text: str) -> None:
    entry = parse_quick_entry(text, catalogue, today=TODAY)
    assert all(reason != "not_understood" for reason, _ in entry.problems)


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("xin chào", ["category"]),
        ("45 hộ", ["category"]),
        ("gạo 45 hộ", ["quantity"]),
        ("gạo 5410kg", []),
        ("sửa nhà 2 căn", []),
        ("nhà 2 căn", ["field:build_type"]),
        ("nhà", ["quantity", "field:build_type"]),
        ("vay vốn 5 hộ", ["value"]),
        ("vay vốn", ["households", "value"]),
        ("học phí", ["persons"]),
        ("tiền điện 30 hộ", []),
    ],
)
def test_missing_required(catalogue: CatalogueFile, text: str, missing: list[str]) -> None:
    entry = parse_quick_entry(text, catalogue, today=TODAY)
    assert missing_required(Draft.from_parsed(entry), catalogue) == missing


def test_unit_codes_are_stable_ascii(catalogue: CatalogueFile) -> None:
    codes = {}
    for category in catalogue.category:
        quantity = category.measure("quantity")
        if quantity is not None:
            codes[category.code] = unit_code(quantity)
    assert codes == {
        "gift": "suat", "rice": "kg", "housing": "can", "sanitation": "cong_trinh", "health_insurance": "the",
        "livelihood": "head", "labour": "ngay_cong", "cash_goods": "time", "training": "buoi",
    }


ADJECTIVE_ROWS: list[tuple[str, str, dict[str, int], str | None]] = [
    ("rice for 25 poor households, 10 kg each", "rice", {"households": 25}, "poor"),
    ("rice for 40 near-poor households, 20kg each", "rice", {"households": 40}, "near_poor"),
    ("rice for 40 near poor households 800kg", "rice", {"households": 40}, "near_poor"),
    ("rice 30 needy families 450kg", "rice", {"households": 30}, "hardship"),
    ("loans to 8 disadvantaged members 400m", "loan", {"households": 8}, "hardship"),
    ("loans to 12 ethnic minority households 600m", "loan", {"households": 12}, "ethnic_minority"),
    ("gifts 20 packages for 20 newly escaped households 400k each", "gift", {"households": 20}, "escaped"),
    ("gifts 15 packages for 15 war-merit families, 1m each", "gift", {"households": 15}, "merit"),
    ("rice 600kg for 60 ethnic minority people", "rice", {"persons": 60}, "ethnic_minority"),
    ("scholarships 20 poor students 1m each", "education", {"persons": 20}, "poor"),
    ("12 cows for 12 households 180m", "livelihood", {"households": 12}, None),
]


@pytest.mark.parametrize(("text", "category", "counts", "klass"), ADJECTIVE_ROWS,
                         ids=[row[0][:40] for row in ADJECTIVE_ROWS])
def test_english_adjective_between_count_and_noun(catalogue: CatalogueFile, text: str, category: str,
                                                  counts: dict[str, int], klass: str | None) -> None:
    """"25 poor households": the count goes to households and "poor" still names the class, every word read."""
    entry = parse_quick_entry(text, catalogue, today=TODAY)
    assert (entry.category, entry.beneficiary_class, entry.problems, entry.unknown) == (category, klass, [], [])
    assert {measure: getattr(entry, measure) for measure in counts} == counts


def test_english_livestock_words_are_head_of_livestock(catalogue: CatalogueFile) -> None:
    entry = parse_quick_entry("gave 20 goats to 10 households", catalogue, today=TODAY)
    assert (entry.category, entry.quantity, entry.quantity_unit, entry.households) == ("livelihood", Q(20), "head", 10)


def test_english_count_after_its_unit_name(catalogue: CatalogueFile) -> None:
    """English tables write the count after the unit name, without a colon; a year is not taken for a count."""
    entry = parse_quick_entry("health insurance cards 300", catalogue, today=TODAY)
    assert (entry.category, entry.quantity, entry.quantity_unit) == ("health_insurance", Q(300), "the")
    assert entry.problems == []
    assert parse_quick_entry("built houses 2025", catalogue, today=TODAY).quantity is None
