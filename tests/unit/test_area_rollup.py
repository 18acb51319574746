"""The area rollup (support_area_total): every record counts in its unit and in each unit above it, and a
unit's totals without an organisation filter read only that unit's rows. Moves of units carry the figures
along. Compared with the raw records, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.records.actions import Draft, save_draft
from bot.domain.totals.aggregate import compute_totals
from bot.domain.totals.rollup import rollup_differences
from bot.domain.units.tree import import_units_csv
from db.models import Role, Unit, User
from db.models_rollup import DAY, MONTH, SupportAreaTotal
from db.queries import get_unit_by_code
from tests.unit.test_rollup import reference_totals

CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _author(session: Session, code: str, telegram_id: int) -> User:
    user = User(telegram_id=telegram_id, display_name="x", role=Role.REPORTER, unit_id=_unit(session, code).id or 0)
    session.add(user)
    session.commit()
    return user


def _save(session: Session, author: User, day: date, households: int) -> None:
    draft = Draft(category="rice", action_date=day.isoformat(), households=households, quantity="10",
                  quantity_unit="kg", organisation="womens_union")
    save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY)


def test_a_record_counts_in_its_unit_and_every_unit_above_it(session: Session) -> None:
    author = _author(session, "GL-KP-IARSAI", 8_300_001)
    _save(session, author, date(2026, 3, 14), households=4)
    rows = session.exec(select(SupportAreaTotal).where(col(SupportAreaTotal.records) > 0)).all()
    expected = {_unit(session, code).id for code in ("GL", "GL-KP", "GL-KP-IARSAI")}
    assert {r.area_id for r in rows if r.grain == MONTH and r.period == date(2026, 3, 1)} == expected
    assert {r.area_id for r in rows if r.grain == DAY and r.period == date(2026, 3, 14)} == expected
    assert {r.households for r in rows} == {4} and len(rows) == 6
    for code in ("GL", "GL-KP", "GL-KP-IARSAI"):
        totals = compute_totals(session, unit=_unit(session, code), start=date(2026, 3, 10), end=date(2026, 4, 30))
        assert totals["rice"].households == 4 and totals["rice"].records == 1
    assert compute_totals(session, unit=_unit(session, "GL-KP-CHUGU"), start=date(2026, 1, 1),
                          end=date(2026, 12, 31)) == {}


def test_a_moved_commune_takes_its_figures_to_its_new_district(session: Session) -> None:
    moving, staying = _author(session, "GL-KP-IARSAI", 8_300_002), _author(session, "GL-KP-CHUGU", 8_300_003)
    for n, day in enumerate((date(2026, 1, 5), date(2026, 1, 20), date(2026, 2, 11), date(2026, 2, 27))):
        _save(session, moving, day, households=n + 1)
        _save(session, staying, day, households=10 * (n + 1))
    import_units_csv(session, "code,name,kind,parent_code\nGL-AP,Ayun Pa,district,GL\n"
                              "GL-KP-IARSAI,Ia Rsai,commune,GL-AP\n")
    session.expire_all()
    assert rollup_differences(session) == []
    for code in ("GL", "GL-KP", "GL-AP", "GL-KP-IARSAI"):
        for start, end in ((date(2026, 1, 1), date(2026, 2, 28)), (date(2026, 1, 10), date(2026, 2, 20))):
            unit = _unit(session, code)
            assert compute_totals(session, unit=unit, start=start, end=end) == \
                reference_totals(session, unit=unit, start=start, end=end), (code, start, end)
    whole = (date(2026, 1, 1), date(2026, 2, 28))
    assert compute_totals(session, unit=_unit(session, "GL-AP"), start=whole[0], end=whole[1])["rice"].households \
        == 1 + 2 + 3 + 4
    assert compute_totals(session, unit=_unit(session, "GL-KP"), start=whole[0], end=whole[1])["rice"].households \
        == 10 + 20 + 30 + 40
