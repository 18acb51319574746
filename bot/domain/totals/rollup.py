"""The rollup behind `compute_totals`, kept in step with `support_action`: sums per organisation × unit ×
month × category × quantity unit × subtype × counted_once (table `support_month_total`), and per unit
× day × category × quantity unit × subtype over all organisations (table `support_day_total`, for the
days at the edges of a range).

Every counted record is in two rows: its organisation's row (what a total filtered by organisation
reads; confirmed duplicates included, with counted_once False) and, unless it is a confirmed
duplicate, the row of ALL_ORGANISATIONS (organisation_id 0: what an unfiltered total reads, each
distribution once). Totals without an organisation filter, the common case, thus read one row per
unit × month × category × quantity unit × subtype instead of one per organisation (11× fewer: a
district's three years are ~14,000 rows instead of ~146,000). The same record also adds to its day's
all-organisations row in `support_day_total`, and, counted once, to the month and day rows of its unit
and of every unit above it in `support_area_total` (db/models_rollup.py): what an unfiltered total of
any unit reads, so a country-wide year reads the country's few hundred rows, not every commune's.

Why a session event and not calls from each service: the rollup must follow EVERY change of a support
action that affects totals — a new record (`actions.save_draft`), a correction (the old version
superseded, the new one current), a void (`actions.void_action`), a duplicate flagged or resolved
(`duplicates.flag_if_duplicate` / `resolve`: `counted_once` changes) — and any future code that
changes a record (a new service, a CLI repair, another engineer's feature) must not be able to forget
it. A `before_flush` listener on every ORM Session sees all of those in one place: for each new,
changed or deleted SupportAction it subtracts the record's contribution as stored in the database
and adds its contribution as it will be stored, in the same transaction as the change itself. So a
rollback (e.g. the duplicate-key rollback of a double tap in `save_draft`) rolls the rollup back too,
and concurrent writers meet in `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, which is
atomic per row on SQLite and PostgreSQL.

What it does not see: SQL that bypasses the ORM unit of work (raw INSERTs such as the benchmark's bulk
load, `session.execute(update(SupportAction))`). After such a load call `rebuild_rollup`, which
recomputes both tables from `support_action`, one statement each. `rollup_differences` compares them
with a fresh computation (tests, repairs).

The listener is registered by `register_rollup_listener`, not by importing this module: `Runtime.create`
calls it (the bot, the sandbox and the CLI all build a Runtime), and so do the tests' fixtures. Whoever
makes sessions without a Runtime and writes support actions through them must call it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    delete,
    event,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session

from db.models import ActionStatus, SupportAction, Unit
from db.models_rollup import DAY, MONTH, SupportAreaTotal, SupportDayTotal, SupportMonthTotal

# Columns of support_action that decide whether and where a record is counted, and by how much.
TRACKED = ("status", "duplicate_status", "unit_id", "category_id", "organisation_id", "action_date",
           "quantity_unit", "subtype", "households", "persons", "quantity", "value_dong")
KEY = ("organisation_id", "unit_id", "month", "category_id", "quantity_unit", "subtype", "counted_once")
DAY_KEY = ("unit_id", "day", "category_id", "quantity_unit", "subtype")
AREA_KEY = ("area_id", "grain", "period", "category_id", "quantity_unit", "subtype")
KEYS = {"support_month_total": KEY, "support_day_total": DAY_KEY, "support_area_total": AREA_KEY}
FIGURES = ("records", "households", "persons", "quantity", "quantity_records", "value_dong", "households_records",
           "persons_records", "value_records")
CONFIRMED = "confirmed"  # duplicates.CONFIRMED (not imported: duplicates imports actions, which imports totals)

ALL_ORGANISATIONS = 0
"""organisation_id of the rows that add up every organisation, each confirmed duplicate left out (ids start at 1)."""

RollupKey = tuple[Any, ...]  # the table's name, then its key columns in KEYS order


@dataclass
class Figures:
    """What one record (or a sum of records) adds to a rollup row."""

    records: int = 0
    households: int = 0
    persons: int = 0
    quantity: Decimal = Decimal(0)
    quantity_records: int = 0
    value_dong: int = 0
    households_records: int = 0
    persons_records: int = 0
    value_records: int = 0

    def add(self, other: Figures, sign: int) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))

    def is_zero(self) -> bool:
        return not any(getattr(self, name) for name in FIGURES)


def month_start(day: date) -> date:
    return day.replace(day=1)


def areas_of(path: str, unit_id: int) -> list[int]:
    """The unit and every unit above it, from its materialised path ("/1/5/17/")."""
    return [int(part) for part in path.split("/") if part] or [unit_id]


def contributions(values: Mapping[str, Any], areas: Sequence[int] = ()) -> list[tuple[RollupKey, Figures]]:
    """The rollup rows a record counts in and what it adds to each: its organisation's month row and,
    when it is counted once (not a confirmed duplicate), the all-organisations month and day rows and
    the month and day rows of each of `areas` (its unit and the units above it). Empty when not current."""
    if values["status"] != ActionStatus.CURRENT:
        return []
    counted_once = values["duplicate_status"] != CONFIRMED
    day = values["action_date"]
    unit_id, category = int(values["unit_id"]), int(values["category_id"])
    kind = (values["quantity_unit"] or "", values["subtype"] or "")
    quantity = values["quantity"]
    figures = Figures(records=1, households=int(values["households"] or 0), persons=int(values["persons"] or 0),
                      quantity=Decimal(quantity) if quantity is not None else Decimal(0),
                      quantity_records=1 if quantity is not None else 0, value_dong=int(values["value_dong"] or 0),
                      households_records=int(values["households"] is not None),
                      persons_records=int(values["persons"] is not None),
                      value_records=int(values["value_dong"] is not None))
    month = ("support_month_total", int(values["organisation_id"]), unit_id, month_start(day), category, *kind,
             counted_once)
    rows: list[tuple[RollupKey, Figures]] = [(month, figures)]
    if counted_once:
        rows.append((("support_month_total", ALL_ORGANISATIONS, unit_id, month_start(day), category, *kind, True),
                     figures))
        rows.append((("support_day_total", unit_id, day, category, *kind), figures))
        for area in areas:
            rows.append((("support_area_total", area, MONTH, month_start(day), category, *kind), figures))
            rows.append((("support_area_total", area, DAY, day, category, *kind), figures))
    return rows


def _values_of(action: SupportAction) -> dict[str, Any]:
    return {name: getattr(action, name) for name in TRACKED}


def _add(deltas: dict[RollupKey, Figures], values: Mapping[str, Any] | None, sign: int,
         paths: Mapping[int, str]) -> None:
    if values is None:
        return
    unit_id = int(values["unit_id"])
    for key, figures in contributions(values, areas_of(paths.get(unit_id, ""), unit_id)):
        deltas.setdefault(key, Figures()).add(figures, sign)


def _paths(session: OrmSession, connection: Connection, unit_ids: Iterable[int]) -> dict[int, str]:
    """The materialised paths of the records' units: from the session when it holds the unit (the author's
    unit, loaded with the user), else in one query."""
    paths: dict[int, str] = {}
    missing = []
    for unit_id in set(unit_ids):
        unit = session.identity_map.get(inspect(Unit).identity_key_from_primary_key((unit_id,)))
        if isinstance(unit, Unit) and unit.path:
            paths[unit_id] = unit.path
        else:
            missing.append(unit_id)
    if missing:
        table = Unit.__table__  # type: ignore[attr-defined]
        paths.update((int(i), str(p)) for i, p in connection.execute(
            select(table.c.id, table.c.path).where(table.c.id.in_(missing))).all())
    return paths


def upsert_deltas(connection: Connection, deltas: Mapping[RollupKey, Figures]) -> None:
    """Add `deltas` to the rollup rows (created when missing), one INSERT … ON CONFLICT DO UPDATE a table."""
    for table in _TABLES:
        rows = [{**dict(zip(KEYS[table.name], key[1:], strict=True)), **{name: getattr(f, name) for name in FIGURES}}
                for key, f in deltas.items() if key[0] == table.name and not f.is_zero()]
        if not rows:
            continue
        connection.execute(_upsert_statement(connection.dialect.name, table), rows)


_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert_statement(dialect: str, table: Any) -> Any:
    """The table's INSERT … ON CONFLICT DO UPDATE, built once per process: building it (its `excluded`
    alias copies every column) cost more CPU than running it, on every save."""
    statement = _UPSERTS.get((dialect, table.name))
    if statement is None:
        if dialect == "sqlite":
            statement = sqlite_insert(table)
        elif dialect == "postgresql":
            statement = pg_insert(table)
        else:  # pragma: no cover - the project supports SQLite and PostgreSQL only
            raise RuntimeError(f"no upsert for dialect {dialect}")
        statement = _UPSERTS[(dialect, table.name)] = statement.on_conflict_do_update(
            index_elements=[table.c[name] for name in KEYS[table.name]],
            set_={name: table.c[name] + statement.excluded[name] for name in FIGURES})
    return statement


def _stored_values(connection: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The tracked columns of records as the database has them (i.e. before this flush)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    table = SupportAction.__table__  # type: ignore[attr-defined]
    rows = connection.execute(select(table.c.id, *(table.c[name] for name in TRACKED))
                              .where(table.c.id.in_(wanted))).mappings().all()
    return {int(row["id"]): dict(row) for row in rows}


def _tracked_change(action: SupportAction) -> bool:
    state = inspect(action)
    return any(state.attrs[name].history.has_changes() for name in TRACKED)


def register_rollup_listener() -> None:
    """Make every ORM session of this process keep the rollup in step (idempotent: once per process)."""
    if not event.contains(OrmSession, "before_flush", _follow_support_actions):
        event.listen(OrmSession, "before_flush", _follow_support_actions)


def _follow_support_actions(session: OrmSession, _context: UOWTransaction, _instances: object) -> None:
    """Keep the rollup tables in step with the support actions this flush inserts, changes or deletes."""
    new = [obj for obj in session.new if isinstance(obj, SupportAction)]
    changed = [obj for obj in session.dirty if isinstance(obj, SupportAction) and obj.id is not None
               and _tracked_change(obj)]
    deleted = [obj for obj in session.deleted if isinstance(obj, SupportAction) and obj.id is not None]
    if not (new or changed or deleted):
        return
    connection = session.connection()
    # The old contribution is read from the database, not from attribute history: an attribute set
    # after a commit expired it has no recorded old value.
    stored = _stored_values(connection, [int(obj.id or 0) for obj in (*changed, *deleted)])
    paths = _paths(session, connection, [int(v["unit_id"]) for v in stored.values()]
                   + [int(obj.unit_id) for obj in (*new, *changed)])
    deltas: dict[RollupKey, Figures] = {}
    for obj in new:
        _add(deltas, _values_of(obj), +1, paths)
    for obj in changed:
        _add(deltas, stored.get(int(obj.id or 0)), -1, paths)
        _add(deltas, _values_of(obj), +1, paths)
    for obj in deleted:
        _add(deltas, stored.get(int(obj.id or 0)), -1, paths)
    upsert_deltas(connection, deltas)


_TABLES = (SupportMonthTotal.__table__, SupportDayTotal.__table__,  # type: ignore[attr-defined]
           SupportAreaTotal.__table__)  # type: ignore[attr-defined]


def _month_expression(dialect: str) -> Any:
    action = SupportAction.__table__.c  # type: ignore[attr-defined]
    if dialect == "sqlite":
        return func.date(action.action_date, "start of month")
    return func.date_trunc("month", action.action_date).cast(SupportMonthTotal.__table__.c.month.type)  # type: ignore[attr-defined]


def fresh_rollup_selects(dialect: str) -> dict[str, Any]:
    """Per rollup table, the SELECT of its rows computed from support_action (columns in KEYS + FIGURES
    order). Month: the rows per organisation, then the all-organisations rows; day: all organisations.
    Confirmed duplicates are left out of the all-organisations rows."""
    action = SupportAction.__table__.c  # type: ignore[attr-defined]
    month = _month_expression(dialect)
    counted_once = case((action.duplicate_status == CONFIRMED, false()), else_=true())
    quantity_unit, subtype = func.coalesce(action.quantity_unit, literal("")), func.coalesce(action.subtype, "")
    figures = (func.count().label("records"), func.coalesce(func.sum(action.households), 0).label("households"),
               func.coalesce(func.sum(action.persons), 0).label("persons"),
               func.coalesce(func.sum(action.quantity), 0).label("quantity"),
               func.count(action.quantity).label("quantity_records"),
               func.coalesce(func.sum(action.value_dong), 0).label("value_dong"),
               func.count(action.households).label("households_records"),
               func.count(action.persons).label("persons_records"),
               func.count(action.value_dong).label("value_records"))
    kind = (quantity_unit.label("quantity_unit"), subtype.label("subtype"))
    current = action.status == ActionStatus.CURRENT.value
    once = or_(action.duplicate_status.is_(None), action.duplicate_status != CONFIRMED)
    per_organisation = (select(action.organisation_id, action.unit_id, month.label("month"), action.category_id,
                               *kind, counted_once.label("counted_once"), *figures)
                        .where(current)
                        .group_by(action.organisation_id, action.unit_id, month, action.category_id, quantity_unit,
                                  subtype, counted_once))
    all_organisations = (select(literal(ALL_ORGANISATIONS).label("organisation_id"), action.unit_id,
                                month.label("month"), action.category_id, *kind, true().label("counted_once"),
                                *figures)
                         .where(current, once)
                         .group_by(action.unit_id, month, action.category_id, quantity_unit, subtype))
    days = (select(action.unit_id, action.action_date.label("day"), action.category_id, *kind, *figures)
            .where(current, once)
            .group_by(action.unit_id, action.action_date, action.category_id, quantity_unit, subtype))
    area = unit_areas()
    in_area = SupportAction.__table__.join(area, area.c.unit_id == action.unit_id)  # type: ignore[attr-defined]
    areas = [select(area.c.area_id.label("area_id"), literal(grain).label("grain"), period.label("period"),
                    action.category_id, *kind, *figures)
             .select_from(in_area).where(current, once)
             .group_by(area.c.area_id, period, action.category_id, quantity_unit, subtype)
             for grain, period in ((MONTH, month), (DAY, action.action_date))]
    return {"support_month_total": union_all(per_organisation, all_organisations), "support_day_total": days,
            "support_area_total": union_all(*areas)}


def unit_areas() -> Any:
    """(unit_id, area_id) for each unit and every area it counts in (itself and each unit above it),
    walked up the parent links by a recursive CTE.

    Why not the materialised paths (`unit.path LIKE area.path || '%'`): neither planner can seek that
    join, so every rollup row was compared with every unit, 3,356 of them for the official units of the
    country (29 s to rebuild the area rows of 20,000 records). This join is on equality."""
    unit, parent = Unit.__table__.alias("walk_unit"), Unit.__table__.alias("walk_parent")  # type: ignore[attr-defined]
    walk = select(unit.c.id.label("unit_id"), unit.c.id.label("area_id"), unit.c.parent_id.label("up")) \
        .cte("unit_area", recursive=True)
    return walk.union_all(select(walk.c.unit_id, parent.c.id, parent.c.parent_id)
                          .select_from(walk.join(parent, parent.c.id == walk.c.up)))


def area_rows_from_units(only: Sequence[int] | None = None) -> Any:
    """The rows of support_area_total summed from the all-organisations rows of the per-unit tables and
    each unit's areas (cheaper than from the records: those rows are already grouped); `only` these
    areas when given."""
    area = unit_areas()
    parts = []
    for grain, table, period, only_all in (
            (MONTH, SupportMonthTotal.__table__, "month", True),  # type: ignore[attr-defined]
            (DAY, SupportDayTotal.__table__, "day", False)):  # type: ignore[attr-defined]
        conditions = [table.c.records > 0, *([table.c.organisation_id == ALL_ORGANISATIONS] if only_all else []),
                      *([area.c.area_id.in_(only)] if only is not None else [])]
        parts.append(
            select(area.c.area_id, literal(grain), table.c[period], table.c.category_id, table.c.quantity_unit,
                   table.c.subtype, *(func.sum(table.c[name]) for name in FIGURES))
            .select_from(table.join(area, area.c.unit_id == table.c.unit_id))
            .where(*conditions)
            .group_by(area.c.area_id, table.c[period], table.c.category_id, table.c.quantity_unit, table.c.subtype))
    return union_all(*parts)


def rebuild_area_rollup(session: Session | OrmSession) -> None:
    """Recompute support_area_total from the per-unit rollup (units moved: their records now count in
    other areas). In the caller's transaction."""
    connection = session.connection()
    table = SupportAreaTotal.__table__  # type: ignore[attr-defined]
    connection.execute(delete(table))
    connection.execute(sa_insert(table).from_select([*AREA_KEY, *FIGURES], area_rows_from_units()))


def rebuild_unit_rollup(session: Session | OrmSession, unit_ids: Iterable[int], area_ids: Iterable[int]) -> None:
    """Recompute the per-unit rollup rows of these units from their records, then the area rows of these
    areas from the per-unit rows (records moved between units by SQL, as a merge of units does; the
    caller names every area whose content changed). In the caller's transaction."""
    wanted, areas = sorted(set(unit_ids)), sorted(set(area_ids))
    connection = session.connection()
    selects = fresh_rollup_selects(connection.dialect.name)
    for table in _TABLES[:2]:
        fresh = selects[table.name].subquery()
        connection.execute(delete(table).where(table.c.unit_id.in_(wanted)))
        connection.execute(sa_insert(table).from_select(
            [*KEYS[table.name], *FIGURES], select(*fresh.c).where(fresh.c.unit_id.in_(wanted))))
    table = SupportAreaTotal.__table__  # type: ignore[attr-defined]
    connection.execute(delete(table).where(table.c.area_id.in_(areas)))
    connection.execute(sa_insert(table).from_select([*AREA_KEY, *FIGURES], area_rows_from_units(areas)))


def rebuild_rollup(session: Session | OrmSession) -> int:
    """Recompute the rollup tables from support_action (after bulk loads; the migration; a repair).

    Runs in the caller's transaction (commit it to keep the result). Returns the number of rows.
    """
    connection = session.connection()
    selects = fresh_rollup_selects(connection.dialect.name)
    count = 0
    for table in _TABLES:
        if table.name == "support_area_total":
            rebuild_area_rollup(session)  # from the per-unit tables just rebuilt
        else:
            connection.execute(delete(table))
            connection.execute(sa_insert(table).from_select([*KEYS[table.name], *FIGURES], selects[table.name]))
        count += int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    return count


def rollup_differences(session: Session) -> list[tuple[RollupKey, Figures, Figures]]:
    """Rows where the stored rollup differs from a fresh computation: (key, stored, fresh). Empty when in step."""
    connection = session.connection()
    selects = fresh_rollup_selects(connection.dialect.name)

    def read(name: str, rows: Iterable[Any]) -> dict[RollupKey, Figures]:
        result: dict[RollupKey, Figures] = {}
        width = len(KEYS[name])
        for row in rows:
            key = (name, *(_as_date(v) if c in ("month", "day", "period") else bool(v) if c == "counted_once"
                           else int(v) if c.endswith("_id") else str(v) for c, v in zip(KEYS[name], row, strict=False)))
            f = row[width:]
            figures = Figures(int(f[0]), int(f[1]), int(f[2]), Decimal(f[3]).quantize(Decimal("0.001")),
                              *(int(v) for v in f[4:]))
            if not figures.is_zero():
                result[key] = figures
        return result

    differences: list[tuple[RollupKey, Figures, Figures]] = []
    for table in _TABLES:
        stored = read(table.name, connection.execute(
            select(*(table.c[name] for name in (*KEYS[table.name], *FIGURES)))).all())
        fresh = read(table.name, connection.execute(selects[table.name]).all())
        differences += [(key, stored.get(key, Figures()), fresh.get(key, Figures()))
                        for key in sorted(stored.keys() | fresh.keys(), key=repr) if stored.get(key) != fresh.get(key)]
    return differences


def _as_date(value: Any) -> date:
    """SQLite's date() returns text; the table's DATE column returns a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
