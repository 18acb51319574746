"""The batched readings of the area rollup (a province's communes at once, a trend's months at once)
give exactly what `compute_totals` gives unit by unit and month by month."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from bot.domain.totals.aggregate import compute_totals, compute_totals_of_areas, monthly_totals
from db.models import Category, Organisation, Role, SupportAction, Unit, User
from db.queries import get_unit_by_code


def _fill(session: Session) -> list[Unit]:
    rng = random.Random(3)
    units = list(session.exec(select(Unit).where(Unit.parent_id == get_unit_by_code(session, code="GL-KP").id)).all())
    categories = list(session.exec(select(Category)).all())
    organisations = list(session.exec(select(Organisation)).all())
    author = User(telegram_id=77, display_name="A", role=Role.REPORTER, unit_id=units[0].id or 0)
    session.add(author)
    session.commit()
    for _ in range(300):
        has_value = rng.random() < 0.7
        session.add(SupportAction(
            unit_id=rng.choice(units).id or 0, organisation_id=rng.choice(organisations).id or 0,
            category_id=rng.choice(categories).id or 0,
            action_date=date(2026, 1, 1) + timedelta(days=rng.randrange(330)),
            households=rng.choice([None, rng.randint(1, 40)]), quantity=Decimal(rng.randint(1, 500)),
            quantity_unit=rng.choice(["kg", "con"]), value_dong=rng.randint(1, 90) * 100_000 if has_value else None,
            author_id=author.id or 0))
    session.commit()
    return units


def test_units_at_once_equal_unit_by_unit(session: Session) -> None:
    units = _fill(session)
    for start, end in ((date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 2, 10), date(2026, 9, 3)),
                       (date(2026, 5, 2), date(2026, 5, 9)), (date(2026, 1, 1), date(2026, 12, 31))):
        batch = compute_totals_of_areas(session, units=units, start=start, end=end)
        assert any(batch.values())
        for unit in units:
            assert batch[unit.id or 0] == compute_totals(session, unit=unit, start=start, end=end), (unit.code, start)
        rice = compute_totals_of_areas(session, units=units, start=start, end=end, category_code="rice")
        for unit in units:
            assert rice[unit.id or 0] == compute_totals(session, unit=unit, start=start, end=end,
                                                        category_code="rice")


def test_months_at_once_equal_month_by_month(session: Session) -> None:
    _fill(session)
    district = get_unit_by_code(session, code="GL-KP")
    assert district is not None
    months = monthly_totals(session, unit=district, first=date(2026, 1, 1), following=date(2027, 1, 1))
    assert len(months) == 11  # January to November have records
    for number in range(1, 13):
        first = date(2026, number, 1)
        last = (date(2026, number + 1, 1) if number < 12 else date(2027, 1, 1)) - timedelta(days=1)
        assert months.get(first, {}) == compute_totals(session, unit=district, start=first, end=last), number
