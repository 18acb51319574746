"""The monthly rollup (bot/domain/totals/rollup.py) makes `compute_totals` fast without changing a single figure.

Random sequences of saves, corrections, voids and duplicate flags/resolutions go through the real
services; after them the stored rollup must equal a fresh computation, and `compute_totals` (rollup
for whole months + raw rows at the edges) must equal a reference computed in Python from every raw
record, for many random scopes, date ranges and filters. Runs on SQLite and on PostgreSQL like the
rest of the suite (CHUNGTAY_TEST_DB).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.catalogue.file import CategorySpec, load_catalogue_file
from bot.domain.records.actions import Draft, save_draft, void_action
from bot.domain.records.draft import draft_from_action
from bot.domain.records.duplicates import CONFIRMED, SUSPECT, flag_if_duplicate, resolve
from bot.domain.totals.aggregate import CategoryTotal, compute_totals, subtree_unit_ids
from bot.domain.totals.rollup import ALL_ORGANISATIONS, rebuild_rollup, rollup_differences
from db.migrate import alembic_config, upgrade_to_head
from db.models import (
    ActionStatus,
    Category,
    Organisation,
    Role,
    SupportAction,
    Unit,
    User,
    utcnow,
)
from db.models_rollup import SupportDayTotal, SupportMonthTotal
from db.queries import get_unit_by_code

CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)
WINDOW_START, WINDOW_DAYS = date(2025, 10, 1), 200  # crosses a year end and several month ends
COMMUNES = ("GL-KP-IARSAI", "GL-KP-CHUGU", "GL-KP-PHUTUC", "GL-KP-UAR")
ORGANISATIONS = tuple(o.code for o in CATALOGUE.organisation)


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _user(session: Session, role: Role, unit_code: str, telegram_id: int) -> User:
    user = User(telegram_id=telegram_id, display_name=f"u{telegram_id}", role=role,
                unit_id=_unit(session, unit_code).id or 0)
    session.add(user)
    session.commit()
    return user


def reference_totals(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None = None,
                     category_code: str | None = None) -> dict[str, CategoryTotal]:
    """compute_totals' contract, computed in Python from every raw record (no SQL aggregation, no rollup)."""
    units = set(subtree_unit_ids(session, root=unit))
    categories = {c.id: c.code for c in session.exec(select(Category)).all()}
    organisations = {o.id: o.code for o in session.exec(select(Organisation)).all()}
    totals: dict[str, CategoryTotal] = {}
    groups: dict[tuple[str, str | None, str | None], list[SupportAction]] = defaultdict(list)
    for action in session.exec(select(SupportAction)).all():
        if action.status != ActionStatus.CURRENT or action.unit_id not in units:
            continue
        if not start <= action.action_date <= end:
            continue
        if organisation_code is None and action.duplicate_status == CONFIRMED:
            continue
        if organisation_code is not None and organisations[action.organisation_id] != organisation_code:
            continue
        code = categories[action.category_id]
        if category_code is not None and code != category_code:
            continue
        groups[(code, action.quantity_unit, action.subtype)].append(action)
    for (code, unit_code, subtype), actions in groups.items():
        total = totals.setdefault(code, CategoryTotal(category=code))
        total.records += len(actions)
        total.households += sum(a.households or 0 for a in actions)
        total.persons += sum(a.persons or 0 for a in actions)
        total.value_dong += sum(a.value_dong or 0 for a in actions)
        total.households_records += sum(a.households is not None for a in actions)
        total.persons_records += sum(a.persons is not None for a in actions)
        total.quantity_records += sum(a.quantity is not None for a in actions)
        total.value_records += sum(a.value_dong is not None for a in actions)
        quantities = [a.quantity for a in actions if a.quantity is not None]
        if quantities and unit_code is not None:
            total.quantities[unit_code] = total.quantities.get(unit_code, Decimal(0)) + sum(quantities, Decimal(0))
        if subtype is not None:
            total.subtypes[subtype] = total.subtypes.get(subtype, Decimal(0)) + sum(quantities, Decimal(0))
    return totals


def _random_draft(rng: random.Random, spec: CategorySpec, day: date) -> Draft:
    """A valid draft of `spec` with figures from small pools, so that look-alike records (duplicates) happen."""
    draft = Draft(category=spec.code, action_date=day.isoformat(), organisation=rng.choice(ORGANISATIONS))
    for measure in spec.measures:
        if not measure.required and rng.random() < 0.3:
            continue
        if measure.code == "quantity":
            draft.quantity = rng.choice(["1", "2", "5", "12.5", "0.125", "250"])
            if measure.units:
                draft.quantity_unit = rng.choice(measure.units).code
        elif measure.code == "value":
            draft.value_dong = rng.choice([100_000, 1_500_000, 9_000_000])
        elif measure.code == "households":
            draft.households = rng.randint(1, 3)
        else:
            draft.persons = rng.randint(1, 4)
    if not any(draft.measure_value(m.code) is not None for m in spec.measures):
        draft.households = 1 if spec.measure("households") else None
        if draft.households is None:
            draft.set_measure(spec.measures[0].code, 1)
            if spec.measures[0].code == "quantity" and spec.measures[0].units:
                draft.quantity_unit = spec.measures[0].units[0].code
    for extra in spec.fields:
        if extra.required or extra.code == spec.subtype_field:
            draft.fields[extra.code] = rng.choice(extra.choices).code if extra.choices else "x"
    return draft


def _random_day(rng: random.Random) -> date:
    return WINDOW_START + timedelta(days=rng.randrange(WINDOW_DAYS))


def _random_range(rng: random.Random) -> tuple[date, date]:
    kind = rng.random()
    if kind < 0.25:  # whole months only
        first = date(2025, rng.randint(9, 12), 1)
        months = rng.randint(1, 7)
        year, month = divmod(first.month - 1 + months, 12)
        return first, date(first.year + year, month + 1, 1) - timedelta(days=1)
    if kind < 0.35:  # a single day, often a month's first or last
        day = rng.choice([date(2025, 12, 31), date(2026, 1, 1), date(2026, 2, 28), _random_day(rng)])
        return day, day
    if kind < 0.5:  # edge months covered for more than half their days (rollup minus the days outside)
        start = date(2025, rng.randint(9, 12), rng.randint(1, 12))
        return start, start + timedelta(days=rng.randrange(20, 200))
    start = _random_day(rng) - timedelta(days=20)
    return start, start + timedelta(days=rng.randrange(0, 220))


def _check(session: Session, rng: random.Random, queries: int) -> int:
    """Compare `queries` random scopes with the raw records; returns how many partial measures (given by
    some but not all records) the compared totals held, so the caller can tell the counts were tested."""
    assert rollup_differences(session) == []
    partial = 0
    units = [_unit(session, code) for code in ("GL", "GL-KP", *COMMUNES, "GL-KP-IAMLAH")]
    categories = [c.code for c in CATALOGUE.category]
    for _ in range(queries):
        unit = rng.choice(units)
        start, end = _random_range(rng)
        organisation = rng.choice([None, None, *ORGANISATIONS])
        category = rng.choice([None, None, *categories])
        arguments = dict(unit=unit, start=start, end=end, organisation_code=organisation, category_code=category)
        computed = compute_totals(session, **arguments)  # type: ignore[arg-type]
        assert computed == reference_totals(session, **arguments), arguments  # type: ignore[arg-type]
        partial += sum(total.is_partial(measure) for total in computed.values()
                       for measure in ("households", "persons", "quantity", "value"))
    return partial


def test_random_changes_keep_totals_identical_to_raw_records(session: Session) -> None:
    rng = random.Random(20261123)
    authors = [_user(session, Role.REPORTER, code, 8_000_000 + i) for i, code in enumerate(COMMUNES)]
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP", 8_100_000)
    counts: dict[str, int] = defaultdict(int)
    for step in range(1, 321):
        current = session.exec(select(SupportAction).where(SupportAction.status == ActionStatus.CURRENT)).all()
        suspects = [a for a in current if a.duplicate_status == SUSPECT]  # answered ones are refused
        choice = rng.random()
        if choice < 0.5 or len(current) < 5:
            author = rng.choice(authors)
            if current and rng.random() < 0.3:  # the same distribution reported again, maybe by another organisation
                template = rng.choice(current)
                draft = draft_from_action(template, session)
                draft.organisation = rng.choice(ORGANISATIONS)
                author = next(a for a in authors if a.unit_id == template.unit_id)
            else:
                draft = _random_draft(rng, rng.choice(CATALOGUE.category), _random_day(rng))
            action = save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY).action
            if flag_if_duplicate(session, action=action) is not None:
                counts["flagged"] += 1
            counts["saved"] += 1
        elif choice < 0.7:
            old = rng.choice(current)
            draft = draft_from_action(old, session)
            draft.corrects_id = old.id
            change = rng.random()
            if change < 0.4:
                draft.action_date = _random_day(rng).isoformat()  # often into another month
            elif change < 0.7:
                spec = rng.choice(CATALOGUE.category)
                draft = _random_draft(rng, spec, old.action_date)
                draft.corrects_id = old.id
            else:
                draft.organisation = rng.choice(ORGANISATIONS)
                if draft.households is not None:
                    draft.households += 1
            save_draft(session, draft=draft, author=supervisor, catalogue=CATALOGUE, today=TODAY)
            counts["corrected"] += 1
        elif choice < 0.8:
            void_action(session, action_id=rng.choice(current).id or 0, user=supervisor, now=utcnow())
            counts["voided"] += 1
        elif suspects:
            resolve(session, action_id=rng.choice(suspects).id or 0, same=rng.random() < 0.6, user=supervisor)
            counts["resolved"] += 1
        if step % 40 == 0:
            _check(session, rng, queries=15)
            # Counted once, never zero times: a confirmed duplicate's original is always a current record.
            originals = {a.duplicate_of_id for a in session.exec(select(SupportAction).where(
                SupportAction.status == ActionStatus.CURRENT, SupportAction.duplicate_status == CONFIRMED)).all()}
            assert all(session.get(SupportAction, i).status == ActionStatus.CURRENT  # type: ignore[union-attr]
                       for i in originals)
    # The per-measure record counts (partial sums) were compared too, not only full ones.
    assert _check(session, rng, queries=150) > 0
    confirmed = session.exec(select(SupportAction).where(SupportAction.duplicate_status == CONFIRMED)).all()
    # The sequence really exercised every kind of change (otherwise the comparison proves little).
    assert min(counts["saved"], counts["corrected"], counts["voided"], counts["resolved"], counts["flagged"]) >= 10, \
        counts
    assert confirmed


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return {"ia_rsai": _user(session, Role.REPORTER, "GL-KP-IARSAI", 8_200_001),
            "chu_gu": _user(session, Role.REPORTER, "GL-KP-CHUGU", 8_200_002),
            "district": _user(session, Role.SUPERVISOR, "GL-KP", 8_200_003)}


def _save(session: Session, author: User, **values: object) -> SupportAction:
    fields = values.pop("fields", {})
    draft = Draft(fields=dict(fields), **values)  # type: ignore[arg-type]
    return save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY).action


def _rollup_rows(session: Session) -> list[SupportMonthTotal]:
    return list(session.exec(select(SupportMonthTotal).where(col(SupportMonthTotal.records) != 0)).all())


def test_duplicates_correction_and_void_move_figures_between_rollup_rows(session: Session,
                                                                           people: dict[str, User]) -> None:
    district = _unit(session, "GL-KP")
    year = dict(unit=district, start=date(2026, 1, 1), end=date(2026, 12, 31))
    first = _save(session, people["ia_rsai"], category="rice", households=45, quantity="5410", value_dong=81_150_000,
                  organisation="womens_union", action_date="2026-03-10")
    second = _save(session, people["ia_rsai"], category="rice", households=45, quantity="5410",
                   value_dong=81_150_000, organisation="fatherland_front", action_date="2026-03-20")
    assert flag_if_duplicate(session, action=second) is not None and second.duplicate_status == SUSPECT
    assert compute_totals(session, **year)["rice"].records == 2  # type: ignore[arg-type]  # a suspect still counts
    resolve(session, action_id=second.id or 0, same=True, user=people["district"])
    totals = compute_totals(session, **year)  # type: ignore[arg-type]
    assert totals["rice"].records == 1 and totals["rice"].quantities == {"kg": Decimal(5410)}
    front = compute_totals(session, organisation_code="fatherland_front", **year)  # type: ignore[arg-type]
    assert front["rice"].records == 1  # the organisation keeps the credit for its own report
    # Each organisation's row keeps its record (the duplicate marked), the all-organisations row counts it once.
    assert sorted((r.organisation_id == ALL_ORGANISATIONS, r.counted_once, r.records)
                  for r in _rollup_rows(session)) == [(False, False, 1), (False, True, 1), (True, True, 1)]

    # A correction moves the record to another month and category; the old version no longer counts,
    # and its confirmed duplicate (the rice was still given) is counted again, not left out.
    fix = draft_from_action(first, session)
    fix.corrects_id, fix.action_date, fix.category = first.id, "2026-05-02", "housing"
    fix.quantity, fix.quantity_unit, fix.households, fix.fields = "2", None, 2, {"build_type": "repair"}
    _save(session, people["district"], **{k: v for k, v in fix.to_dict().items() if k != "key"})
    totals = compute_totals(session, **year)  # type: ignore[arg-type]
    assert set(totals) == {"housing", "rice"} and totals["housing"].subtypes == {"repair": Decimal(2)}
    assert totals["rice"].records == 1 and totals["rice"].quantities == {"kg": Decimal(5410)}
    assert totals == reference_totals(session, **year)  # type: ignore[arg-type]

    # Voiding the last records leaves no category behind (not a category with zeros).
    for action in session.exec(select(SupportAction).where(SupportAction.status == ActionStatus.CURRENT)).all():
        void_action(session, action_id=action.id or 0, user=people["district"], now=utcnow())
    assert compute_totals(session, **year) == {}  # type: ignore[arg-type]
    assert _rollup_rows(session) == [] and rollup_differences(session) == []


def test_records_without_quantity_and_mixed_units(session: Session, people: dict[str, User]) -> None:
    """A loan has no quantity (the raw SUM is NULL: no `quantities`, subtype counted as 0); livelihood
    mixes units, and voiding the only record in one unit removes that unit from the quantities."""
    author = people["chu_gu"]
    loan = next(c for c in CATALOGUE.category if c.code == "loan")
    loan_draft = _random_draft(random.Random(1), loan, date(2026, 2, 3))
    _save(session, author, **{k: v for k, v in loan_draft.to_dict().items() if k != "key"})
    livelihood = next(c for c in CATALOGUE.category if c.measure("quantity") and c.measure("quantity").units)  # type: ignore[union-attr]
    units = livelihood.measure("quantity").units  # type: ignore[union-attr]
    fields = {f.code: f.choices[0].code for f in livelihood.fields if f.required and f.choices}
    cow = _save(session, author, category=livelihood.code, quantity="2", quantity_unit=units[0].code, fields=fields,
                action_date="2026-02-04")
    _save(session, author, category=livelihood.code, quantity="1.5", quantity_unit=units[1].code, fields=fields,
          action_date="2026-02-05")
    february = dict(unit=_unit(session, "GL-KP"), start=date(2026, 2, 1), end=date(2026, 2, 28))
    totals = compute_totals(session, **february)  # type: ignore[arg-type]
    assert totals == reference_totals(session, **february)  # type: ignore[arg-type]
    assert totals["loan"].quantities == {} and totals[livelihood.code].quantity is None
    void_action(session, action_id=cow.id or 0, user=author, now=utcnow())
    totals = compute_totals(session, **february)  # type: ignore[arg-type]
    assert totals == reference_totals(session, **february)  # type: ignore[arg-type]
    assert totals[livelihood.code].quantities == {units[1].code: Decimal("1.5")}


def test_a_failed_flush_leaves_the_rollup_untouched(session: Session, people: dict[str, User]) -> None:
    """The rollup changes in the same transaction as the record, so a rollback takes both back."""
    kept = _save(session, people["ia_rsai"], category="rice", households=3, quantity="30", action_date="2026-04-01")
    clash = SupportAction(unit_id=kept.unit_id, organisation_id=kept.organisation_id, category_id=kept.category_id,
                          action_date=kept.action_date, households=9, author_id=kept.author_id,
                          client_key=kept.client_key)
    session.add(clash)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert [r.households for r in _rollup_rows(session)] == [3, 3] and rollup_differences(session) == []


def test_changes_to_expired_records_and_deletes_are_followed(session: Session, people: dict[str, User]) -> None:
    """The old contribution is read from the database, so a change after expiry (no attribute history) counts."""
    action = _save(session, people["ia_rsai"], category="rice", households=3, quantity="30", action_date="2026-04-01")
    other = _save(session, people["ia_rsai"], category="rice", households=4, quantity="40", action_date="2026-04-02")
    session.expire(action)
    action.households = 7
    session.commit()
    assert rollup_differences(session) == []
    session.delete(other)
    session.commit()
    april = dict(unit=_unit(session, "GL-KP-IARSAI"), start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert compute_totals(session, **april)["rice"].households == 7  # type: ignore[arg-type]
    assert rollup_differences(session) == []


def test_rebuild_after_a_bulk_load_outside_the_orm(session: Session, people: dict[str, User]) -> None:
    """Raw INSERTs (the benchmark's bulk load) bypass the listener; rebuild_rollup brings the rollup in step."""
    template = _save(session, people["chu_gu"], category="rice", households=1, quantity="10", action_date="2026-06-15")
    rows = [dict(unit_id=template.unit_id, organisation_id=template.organisation_id, category_id=template.category_id,
                 action_date=date(2026, 6, 1) + timedelta(days=i), households=i + 1, quantity=Decimal("2.5"),
                 quantity_unit="kg", details={}, author_id=template.author_id, status=ActionStatus.CURRENT,
                 version=1, duplicate_status=CONFIRMED if i % 3 == 0 else None) for i in range(10)]
    # A unit code without any quantity (possible in raw data, not through save_draft): the raw SUM is
    # NULL, so the unit must not appear in `quantities`, neither when loaded raw nor through the ORM.
    rows += [{**rows[1], "quantity": None, "quantity_unit": "bao", "duplicate_status": None}]
    session.execute(insert(SupportAction), rows)
    session.add(SupportAction(**{**rows[1], "quantity": None, "quantity_unit": "bao", "duplicate_status": None}))
    session.commit()
    assert rollup_differences(session) != []
    rebuild_rollup(session)
    session.commit()
    assert rollup_differences(session) == []
    june = dict(unit=_unit(session, "GL"), start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert compute_totals(session, **june) == reference_totals(session, **june)  # type: ignore[arg-type]
    rice = compute_totals(session, **june)["rice"]  # type: ignore[arg-type]
    assert rice.records == 9 and rice.quantities == {"kg": Decimal(25)}


def _stored_rollup(session: Session) -> dict[str, set[tuple[object, ...]]]:
    """Both rollup tables as sets of rows (rows whose figures are all zero, left by voids, left out)."""
    session.expire_all()
    tables = {"support_month_total": SupportMonthTotal, "support_day_total": SupportDayTotal}
    return {name: {tuple(getattr(row, c) for c in model.model_fields) for row in session.exec(select(model)).all()
                   if row.records} for name, model in tables.items()}


def test_migration_fills_the_rollup_exactly_as_a_rebuild_from_the_records(
        session: Session, people: dict[str, User], database_url: str) -> None:
    """Migration 0008 fills both rollup tables with its own SQL; on records of every kind (two organisations,
    a confirmed duplicate, a correction, a void, no quantity, raw rows) the result is what the listener kept
    and what `rebuild_rollup` computes from the records."""
    first = _save(session, people["ia_rsai"], category="rice", households=45, quantity="5410.125",
                  value_dong=81_150_000, organisation="womens_union", action_date="2026-03-10")
    second = _save(session, people["ia_rsai"], category="rice", households=45, quantity="5410.125",
                   value_dong=81_150_000, organisation="fatherland_front", action_date="2026-03-20")
    assert flag_if_duplicate(session, action=second) is not None
    resolve(session, action_id=second.id or 0, same=True, user=people["district"])
    fix = draft_from_action(first, session)
    fix.corrects_id, fix.action_date = first.id, "2026-04-30"
    _save(session, people["district"], **{k: v for k, v in fix.to_dict().items() if k != "key"})
    voided = _save(session, people["chu_gu"], category="rice", households=2, quantity="20", action_date="2026-05-01")
    void_action(session, action_id=voided.id or 0, user=people["district"], now=utcnow())
    loan = next(c for c in CATALOGUE.category if c.code == "loan")
    loan_draft = _random_draft(random.Random(2), loan, date(2025, 12, 31))
    _save(session, people["chu_gu"], **{k: v for k, v in loan_draft.to_dict().items() if k != "key"})
    session.execute(insert(SupportAction), [dict(
        unit_id=second.unit_id, organisation_id=second.organisation_id, category_id=second.category_id,
        action_date=date(2026, 6, 1), households=1, quantity=None, quantity_unit="bao", details={},
        author_id=second.author_id, status=ActionStatus.CURRENT, version=1)])
    session.commit()
    rebuild_rollup(session)
    session.commit()
    before = _stored_rollup(session)
    assert before["support_month_total"] and before["support_day_total"]
    session.close()

    command.downgrade(alembic_config(database_url), "0007")
    upgrade_to_head(database_url)

    after = _stored_rollup(session)
    assert after == before
    assert rollup_differences(session) == []
    rebuild_rollup(session)
    assert _stored_rollup(session) == after


def test_the_runtime_registers_the_rollup_listener_once(session: Session, people: dict[str, User],
                                                       database_url: str) -> None:
    """The listener is registered by Runtime.create (the bot, the sandbox, the CLI), not by an import, and a
    second runtime does not register it twice (the figures would then count twice)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    from bot.config import load_settings
    from bot.domain.totals import rollup
    from bot.runtime import Runtime

    event.remove(OrmSession, "before_flush", rollup._follow_support_actions)
    settings = load_settings(_env_file=None, database_url=database_url)
    for _ in range(2):
        Runtime.create(settings).close()
    assert event.contains(OrmSession, "before_flush", rollup._follow_support_actions)
    _save(session, people["ia_rsai"], category="rice", households=3, quantity="30", action_date="2026-04-01")
    assert [r.households for r in _rollup_rows(session)] == [3, 3] and rollup_differences(session) == []


def test_migrations_refill_the_rollup_and_its_per_measure_counts(database_url: str, session: Session,
                                                                  people: dict[str, User]) -> None:
    """0008 and 0012 fill the rollup from the records with their own SQL (no live code): down to 0007
    (no rollup rows), up to 0009 (figures without per-measure counts), up to head (counts refilled)."""
    from alembic import command
    from sqlalchemy import text

    from db.migrate import alembic_config

    _save(session, people["ia_rsai"], category="gift", action_date="2026-11-02", quantity="100", households=40)
    _save(session, people["ia_rsai"], category="gift", action_date="2026-11-20", quantity="250")
    _save(session, people["chu_gu"], category="rice", action_date="2026-10-31", households=5, quantity="50",
          persons=12, value_dong=1_500_000)
    _save(session, people["chu_gu"], category="rice", action_date="2026-10-31", households=3, quantity="30")
    wanted = compute_totals(session, unit=_unit(session, "GL-KP"), start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert wanted["gift"].households_records == 1 and wanted["rice"].persons_records == 1
    session.close()
    config = alembic_config(database_url)
    engine = session.get_bind()
    command.downgrade(config, "0007")
    command.upgrade(config, "0009")
    with engine.connect() as connection:  # 0008's own fill: every current record, once a table
        assert connection.execute(text("SELECT SUM(records), SUM(households) FROM support_day_total")).one() == (4, 48)
        assert connection.execute(text("SELECT SUM(records) FROM support_month_total WHERE organisation_id = 0"
                                        )).scalar_one() == 4
    command.upgrade(config, "head")
    with Session(engine) as fresh:
        assert rollup_differences(fresh) == []
        assert compute_totals(fresh, unit=_unit(fresh, "GL-KP"), start=date(2026, 10, 1),
                              end=date(2026, 11, 30)) == wanted
