"""Lists of units (service layer): search with and without accents, ranking, pages, summary lines, the
grouped figures against `compute_totals` per child, and a query count that does not grow with the units."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods.calendar import Period, month_of
from bot.domain.periods.submissions import create_period, submit
from bot.domain.records.actions import Draft, save_draft
from bot.domain.reports.digests import CHART_UNITS, _chart_units
from bot.domain.totals.aggregate import CategoryTotal, compute_totals
from bot.domain.units.figures import UnitFigures, child_figures
from bot.domain.units.list_views import figure_entries, picker_entries, status_entries
from bot.domain.units.lists import Order, UnitEntry, matches, rank, summary_text, unit_page
from bot.domain.units.tree import import_units_csv
from bot.i18n import get_translator
from db.models import Role, Unit, User
from db.queries import get_unit_by_code, list_child_units

CATALOGUE = load_catalogue_file()
VI = get_translator("vi")
TODAY = date(2026, 11, 23)
TODAY_AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _user(session: Session, code: str, telegram_id: int, role: Role = Role.REPORTER) -> User:
    user = User(telegram_id=telegram_id, display_name="x", role=role, unit_id=_unit(session, code).id or 0)
    session.add(user)
    session.commit()
    return user


def _log(session: Session, user: User, day: date, **figures: object) -> None:
    draft = Draft(action_date=day.isoformat(), **figures)  # type: ignore[arg-type]
    save_draft(session, draft=draft, author=user, catalogue=CATALOGUE, today=TODAY)


def _named(name: str, code: str = "X", kind: str = "commune") -> Unit:
    return Unit(name=name, code=code, kind=kind)


def test_search_ignores_accents_case_and_spacing() -> None:
    binh_gia = _named("Bình Gia")
    for typed in ("binh gia", "Bình Gia", "BÌNH  GIA", "bình", "gia", "inh g", ""):
        assert matches(binh_gia, typed), typed
    assert not matches(binh_gia, "bắc sơn")
    assert matches(_named("Đồng Đăng"), "dong dang") and matches(_named("Lũng Vài"), "lung")
    assert matches(_named("Xyz", code="LS-BINHGIA"), "ls-binh"), "a code may be typed too"


def test_ranking_for_each_kind_of_list() -> None:
    def entry(name: str, **values: object) -> UnitEntry:
        return UnitEntry(unit=_named(name), **values)  # type: ignore[arg-type]

    missing, late, on_time = entry("B", state="missing"), entry("C", state="late"), entry("A", state="on_time")
    assert rank([on_time, late, missing], Order.STATUS) == [missing, late, on_time]
    silent = entry("A", current=UnitFigures(), previous=UnitFigures(records=2, value_dong=5))
    new = entry("Z", current=UnitFigures(records=1, value_dong=10))
    doubled = entry("M", current=UnitFigures(records=2, value_dong=200),
                    previous=UnitFigures(records=1, value_dong=100))
    same = entry("B", current=UnitFigures(records=1, value_dong=100), previous=UnitFigures(records=1, value_dong=100))
    assert rank([same, silent, doubled, new], Order.CHANGE) == [new, doubled, same, silent]
    few, many = entry("A", count=1), entry("B", count=9)
    assert rank([few, many], Order.COUNT) == [many, few]
    assert [e.unit.name for e in rank([entry("Đồng"), entry("Bắc"), entry("Cao")], Order.NAME)] == \
        ["Bắc", "Cao", "Đồng"], "by the folded name: Đ sorts with D"


def test_pages_and_summary_lines() -> None:
    entries = [UnitEntry(unit=_named(f"Xã {i:03d}", code=f"C{i}", kind="ward" if i < 5 else "commune"),
                     state=("missing", "late", "on_time")[i % 3]) for i in range(65)]
    page = unit_page(VI, entries, order=Order.STATUS, page=3)
    assert page.summary == "65 xã, phường: 21 đã nộp, 22 chưa, 22 trễ hạn"
    assert (page.page, page.pages, len(page.entries), page.has_previous, page.has_next) == (3, 7, 10, True, True)
    assert unit_page(VI, entries, order=Order.STATUS, page=99).page == 6, "past the end: the last page"
    assert len(unit_page(VI, entries, order=Order.STATUS, page=6).entries) == 5
    found = unit_page(VI, entries, order=Order.STATUS, query="xa 01")
    assert (found.matched, found.total, found.pages) == (10, 65, 1)
    assert unit_page(VI, entries, order=Order.STATUS, query="nothing").matched == 0
    assert summary_text(get_translator("en"), entries[:3], Order.NAME) == "3 units (ward)"


def test_grouped_figures_equal_compute_totals_per_child(session: Session) -> None:
    ia_rsai, chu_gu = _user(session, "GL-KP-IARSAI", 1), _user(session, "GL-KP-CHUGU", 2)
    village = "code,name,kind,parent_code\nGL-KP-IARSAI-T1,Buôn Thức,village,GL-KP-IARSAI\n"
    import_units_csv(session, village)
    thuc = _user(session, "GL-KP-IARSAI-T1", 3)
    for day, user, value in ((date(2026, 11, 2), ia_rsai, 5_000_000), (date(2026, 11, 20), chu_gu, 7_000_000),
                             (date(2026, 10, 30), thuc, 1_000_000), (date(2026, 11, 21), thuc, None)):
        _log(session, user, day, category="rice", households=3, quantity="30", value_dong=value,
             organisation="womens_union" if user is chu_gu else None)
    _log(session, ia_rsai, date(2026, 11, 10), category="housing", households=1, quantity="1",
         fields={"build_type": "new"}, value_dong=50_000_000)
    district = _unit(session, "GL-KP")
    children = list(list_child_units(session, parent_id=district.id))
    for start, end in ((date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 3), date(2026, 11, 20)),
                       (date(2026, 10, 15), date(2026, 11, 21)), (date(2026, 10, 31), date(2026, 11, 1))):
        for organisation, category in ((None, None), ("womens_union", None), (None, "rice"),
                                       ("womens_union", "rice")):
            grouped = child_figures(session, children=children, start=start, end=end,
                                    organisation_code=organisation, category_code=category)
            for child in children:
                totals = compute_totals(session, unit=child, start=start, end=end, organisation_code=organisation,
                                        category_code=category)
                expected = (sum(t.records for t in totals.values()), sum(t.value_dong for t in totals.values()))
                got = grouped[child.id or 0]
                assert (got.records, got.value_dong) == expected, (child.code, start, end, organisation, category)
    assert child_figures(session, children=[], start=TODAY, end=TODAY) == {}


def _province(session: Session, communes: int) -> Unit:
    lines = ["code,name,kind,parent_code", "QT,Quảng Trị,province,"]
    lines += [f"QT-{i:03d},Xã {i:03d},commune,QT" for i in range(communes)]
    import_units_csv(session, "\n".join(lines) + "\n")
    return _unit(session, "QT")


@contextmanager
def _counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_queries_of_a_list_do_not_grow_with_its_units(session: Session) -> None:
    """15 communes or 170: the same handful of statements for the figures, the states and the picker."""
    province = _province(session, 170)
    supervisor = _user(session, "QT", 9, Role.SUPERVISOR)
    reporters = [_user(session, f"QT-{index:03d}", 100 + index) for index in (0, 50, 169)]
    for reporter in reporters:
        _log(session, reporter, date(2026, 11, 5), category="rice", households=1, quantity="1", value_dong=1_000)
    month = month_of(TODAY)
    period, _ = create_period(session, user=supervisor, name="Tháng 11", kind="custom", start=month.start,
                              end=month.end, due=month.end, now=TODAY_AT)
    submit(session, user=reporters[0], period=period, now=TODAY_AT, tz=TZ)
    district = _unit(session, "GL-KP")
    counts = []
    for unit in (district, province):
        session.expire_all()
        with _counted(session) as statements:
            entries = figure_entries(session, unit=unit, period=Period("range", month.start, date(2026, 11, 23)),
                                     organisation_code="womens_union")
            entries += figure_entries(session, unit=unit, period=Period("range", month.start, date(2026, 11, 23)))
            entries += picker_entries(session, unit=unit)
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 20, counts
    assert period.id is not None
    with _counted(session) as statements:
        states = status_entries(session, period=period)
    assert len(statements) == 2 and len(states) == 170 and sum(e.state == "on_time" for e in states) == 1
    province_figures = figure_entries(session, unit=province, period=month)
    assert len(province_figures) == 170
    assert sum(e.current.records for e in province_figures if e.current) == 3
    assert sum(e.current.value_dong for e in province_figures if e.current) == Decimal(3_000)




def test_a_province_digest_charts_the_units_with_the_most_money() -> None:
    rows = [(_named(f"Xã {i:03d}", code=f"C{i}"), {"rice": CategoryTotal(category="rice", records=1, value_dong=i)})
            for i in range(110)]
    bars = _chart_units(VI, rows)
    assert len(bars) == CHART_UNITS and bars[0] == ("xã Xã 109", 109) and ("xã Xã 000", 0) not in bars
    assert [value for _, value in _chart_units(VI, rows[:14])] == list(range(14)), "a district keeps its order"
