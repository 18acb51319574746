"""Report sentences, changes against the previous period, breakdowns and plain questions (service layer)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.domain.catalogue.file import CategorySpec, load_catalogue_file
from bot.domain.periods.calendar import month_of, period_from_code, quarter_of
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, save_draft
from bot.domain.reports.sentences import (
    by_child_unit,
    by_organisation,
    category_sentence,
    change_text,
    grand_value,
    headline_figures,
    scope_level,
    scope_totals,
    totals_message,
)
from bot.domain.totals.aggregate import CategoryTotal
from bot.domain.totals.questions import looks_like_question, parse_question
from bot.i18n import get_translator
from bot.presentation.render import to_html
from db.models import Role, Unit, User
from db.queries import get_unit_by_code, list_subtree_units

CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)
VI = Localised(CATALOGUE, get_translator("vi"))
EN = Localised(CATALOGUE, get_translator("en"))


def _spec(code: str) -> CategorySpec:
    spec = CATALOGUE.category_by_code(code)
    assert spec is not None
    return spec


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _user(session: Session, unit_code: str, telegram_id: int, role: Role = Role.REPORTER) -> User:
    user = User(telegram_id=telegram_id, display_name="x", role=role, unit_id=_unit(session, unit_code).id or 0)
    session.add(user)
    session.commit()
    return user


def _log(session: Session, user: User, day: date, **figures: object) -> None:
    fields = figures.pop("fields", {})
    draft = Draft(action_date=day.isoformat(), fields=dict(fields), **figures)  # type: ignore[arg-type]
    save_draft(session, draft=draft, author=user, catalogue=CATALOGUE, today=TODAY)


def test_sentences_in_the_report_style() -> None:
    rice = CategoryTotal("rice", 3, 45, 108, 81_150_000, {"kg": Decimal(5410)})
    assert category_sentence(VI, _spec("rice"), rice) == \
        "Hỗ trợ gạo cho 45 hộ, 108 khẩu với 5.410 kg, trị giá 81,15 triệu đồng."
    gift = CategoryTotal("gift", 9, 356, 0, 192_750_000, {"suat": Decimal(571)}, {"tet": Decimal(571)})
    assert category_sentence(VI, _spec("gift"), gift) == "Tặng 571 suất quà (356 hộ) trị giá 192,75 triệu đồng."
    housing = CategoryTotal("housing", 21, 21, 0, 0, {"can": Decimal(21)}, {"new": Decimal(11), "repair": Decimal(10)})
    assert category_sentence(VI, _spec("housing"), housing) == \
        "Hỗ trợ nhà ở cho 21 hộ, trong đó xây mới 11 căn, sửa chữa 10 căn."
    assert category_sentence(EN, _spec("rice"), rice) == \
        "Provided rice for 45 households, 108 persons with 5,410 kg, value 81.15 million VND."


def test_a_sum_over_only_some_records_says_so() -> None:
    """6 gift records, 2 of them with a household count; 8 rice records, persons given by 1."""
    gift = CategoryTotal("gift", 6, 410, 0, 0, {"suat": Decimal(2350)}, households_records=2, quantity_records=6)
    assert category_sentence(VI, _spec("gift"), gift) == "Tặng 2.350 suất quà; 2/6 lượt có ghi số hộ: 410 hộ."
    assert category_sentence(EN, _spec("gift"), gift) == \
        "Gave 2,350 packages; 2/6 records give households: 410 households."
    rice = CategoryTotal("rice", 8, 250, 64, 12_345_670_000, {"kg": Decimal(5410)}, households_records=8,
                         persons_records=1, quantity_records=8, value_records=5)
    assert category_sentence(VI, _spec("rice"), rice) == (
        "Hỗ trợ gạo cho 250 hộ với 5.410 kg; 1/8 lượt có ghi số khẩu: 64 khẩu; "
        "5/8 lượt có ghi trị giá: 12.345,67 triệu đồng.")
    # The change is measured on a figure every record gave (households), the same in both periods.
    before = CategoryTotal("rice", 2, 100, 0, 5_000_000, {"kg": Decimal(10)}, households_records=2, value_records=2)
    assert headline_figures(rice, before) == (250, 100)
    # Nothing whole but the count of records: the sentence says how many, then the parts.
    housing = CategoryTotal("housing", 3, 2, 0, 0, {"can": Decimal(2)}, {"new": Decimal(2)}, households_records=1,
                            quantity_records=1)
    assert category_sentence(VI, _spec("housing"), housing) == \
        "Hỗ trợ nhà ở: 3 lượt hỗ trợ; 1/3 lượt có ghi số căn nhà: 2 căn; 1/3 lượt có ghi số hộ: 2 hộ."


def test_every_category_gets_a_sentence_from_its_measures() -> None:
    for spec in CATALOGUE.category:
        total = CategoryTotal(spec.code, 2, 3, 4, 1_500_000, {"x": Decimal(7)})
        sentence = category_sentence(VI, spec, total)
        assert sentence.startswith(spec.verb_vi) and sentence.endswith(".")
        assert ("1,5 triệu đồng" in sentence) == (spec.measure("value") is not None), spec.code
        assert ("3 " in sentence) == (spec.measure("households") is not None), spec.code


def test_livelihood_quantities_in_several_units_are_not_added_up() -> None:
    total = CategoryTotal("livelihood", 3, 0, 0, 0, {"head": Decimal(14), "bundle": Decimal(910), "kg": Decimal(250)})
    assert category_sentence(VI, _spec("livelihood"), total) == "Hỗ trợ sinh kế với 14 con, 250 kg, 910 bó."


def test_change_text() -> None:
    t = VI.t
    assert change_text(t, 120, 100, "tháng 10/2026") == "tăng 20% so với tháng 10/2026"
    assert change_text(t, 75, 100, "quý III/2026") == "giảm 25% so với quý III/2026"
    assert change_text(t, 5, 5, "năm 2025") == "bằng năm 2025"
    assert change_text(t, 5, 0, "năm 2025") == "năm 2025: chưa có"
    assert change_text(t, 0, 0, "năm 2025") == ""


@pytest.fixture
def logged(session: Session) -> dict[str, User]:
    """Ia Rsai (Hội LHPN) and Chư Gu log rice and housing in October and November 2026."""
    ia_rsai = _user(session, "GL-KP-IARSAI", 9001)
    ia_rsai.organisation_id = 3
    chu_gu = _user(session, "GL-KP-CHUGU", 9002)
    _log(session, ia_rsai, date(2026, 11, 3), category="rice", households=45, persons=108, quantity="5410",
         value_dong=81_150_000, organisation="womens_union")
    _log(session, chu_gu, date(2026, 11, 5), category="rice", households=5, quantity="600", value_dong=9_000_000)
    _log(session, chu_gu, date(2026, 10, 20), category="rice", households=10, quantity="1000", value_dong=45_075_000)
    _log(session, ia_rsai, date(2026, 11, 10), category="housing", households=2, quantity="2",
         fields={"build_type": "new"}, value_dong=100_000_000)
    _log(session, chu_gu, date(2026, 11, 11), category="housing", households=1, quantity="1",
         fields={"build_type": "repair"}, value_dong=20_000_000)
    return {"ia_rsai": ia_rsai, "chu_gu": chu_gu}


def test_scope_totals_compare_with_the_previous_period(session: Session, logged: dict[str, User]) -> None:
    district = _unit(session, "GL-KP")
    scope = scope_totals(session, unit=district, period=month_of(TODAY))
    assert scope.current["rice"].households == 50 and scope.previous["rice"].households == 10
    assert grand_value(scope.current) == 210_150_000
    text = to_html(totals_message(VI, scope, unit_name="huyện Krông Pa"))
    assert "Tổng hợp tháng 11/2026, huyện Krông Pa" in text
    # Persons were given by one of the two rice records: said as such, never "50 hộ, 108 khẩu".
    assert "Hỗ trợ gạo cho 50 hộ với 6.010 kg, trị giá 90,15 triệu đồng; 1/2 lượt có ghi số khẩu: 108 khẩu " \
           "(tăng 100% so với tháng 10/2026)." in text
    assert "Hỗ trợ nhà ở cho 3 hộ, trong đó xây mới 2 căn, sửa chữa 1 căn, kinh phí 120 triệu đồng" in text
    assert "Tổng trị giá: 210,15 triệu đồng" in text


def test_breakdowns_by_child_unit_and_organisation(session: Session, logged: dict[str, User]) -> None:
    district = _unit(session, "GL-KP")
    rows = by_child_unit(session, unit=district, period=month_of(TODAY))
    by_code = {unit.code: totals for unit, totals in rows}
    assert len(rows) == 14  # every commune shows, silent ones with nothing
    assert by_code["GL-KP-IARSAI"]["rice"].quantity == Decimal(5410)
    assert by_code["GL-KP-CHUGU"]["housing"].subtypes == {"repair": Decimal(1)}
    assert by_code["GL-KP-UAR"] == {}
    organisations = dict(by_organisation(session, unit=district, period=quarter_of(TODAY), category_code="rice"))
    assert organisations["womens_union"]["rice"].households == 45
    assert sum(t["rice"].households for t in organisations.values()) == 60


def test_questions_with_and_without_diacritics(session: Session) -> None:
    units = list_subtree_units(session, root=_unit(session, "GL-KP"))
    for text in ("tổng gạo quý này", "tong gao quy nay"):
        question = parse_question(text, catalogue=CATALOGUE, units=units, today=TODAY)
        assert question.categories == ["rice"] and question.period == period_from_code("q0", today=TODAY)
    for text in ("bao nhiêu hộ được vay vốn năm nay", "bao nhieu ho duoc vay von nam nay"):
        question = parse_question(text, catalogue=CATALOGUE, units=units, today=TODAY)
        assert question.categories == ["loan"] and question.metric == "households"
        assert question.period == period_from_code("y0", today=TODAY)
    for text in ("xã Ia Rsai tháng trước", "xa ia rsai thang truoc"):
        question = parse_question(text, catalogue=CATALOGUE, units=units, today=TODAY)
        assert [u.code for u in question.units] == ["GL-KP-IARSAI"] and question.organisation is None
        assert question.period == period_from_code("m-1", today=TODAY)
    vague = parse_question("xã chư tháng này", catalogue=CATALOGUE, units=units, today=TODAY)
    assert sorted(u.code for u in vague.units) == ["GL-KP-CHUDRANG", "GL-KP-CHUGU", "GL-KP-CHUNGOC", "GL-KP-CHURCAM"]
    assert parse_question("tổng quà tháng qua", catalogue=CATALOGUE, units=units, today=TODAY).categories == ["gift"]
    women = parse_question("tổng hội phụ nữ 6 tháng đầu năm", catalogue=CATALOGUE, units=units, today=TODAY)
    assert women.organisation == "womens_union" and women.period is not None and women.period.start == date(2026, 1, 1)


@pytest.mark.parametrize(("text", "question"), [
    ("tổng gạo quý này", True), ("bao nhieu ho vay von", True), ("xã Ia Rsai tháng trước", True),
    ("gạo tháng này?", True), ("tu 1/1/2026 den 30/6/2026", True),
    ("gạo 45 hộ 108 khẩu 5410kg 81,15tr", False), ("sua nha 2 can 80tr hoi phu nu", False),
    ("vay von 12 ho 600tr nhcsxh", False), ("qua tet 20 suat 10 ho", False),
])
def test_questions_are_told_apart_from_entries(text: str, question: bool) -> None:
    assert looks_like_question(text, today=TODAY) is question


def test_names_never_reach_totals(session: Session, logged: dict[str, User]) -> None:
    user = logged["ia_rsai"]
    _log(session, user, date(2026, 11, 12), category="rice", households=1, quantity="10",
         household_name="Nguyễn Văn Bí Mật")
    scope = scope_totals(session, unit=_unit(session, "GL-KP"), period=month_of(TODAY))
    assert "Bí Mật" not in to_html(totals_message(VI, scope, unit_name="huyện Krông Pa"))
    assert session.exec(select(User)).first() is not None


def test_organisations_are_named_at_the_level_of_the_scope(session: Session) -> None:
    """A commune's figures say "UBND xã"; a district's hold its communes' committees too: "UBND"."""
    commune, district = _unit(session, "GL-KP-IARSAI"), _unit(session, "GL-KP")
    assert scope_level(session, CATALOGUE, unit=commune) == "commune"
    assert VI.at(scope_level(session, CATALOGUE, unit=commune)).organisation("commune_pc") == "UBND xã"
    assert scope_level(session, CATALOGUE, unit=district) is None
    assert VI.at(scope_level(session, CATALOGUE, unit=district)).organisation("commune_pc") == "UBND"
    assert VI.at("ward").organisation("fatherland_front") == "Ủy ban MTTQ phường"
