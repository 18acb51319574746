"""Benchmark: totals and a whole-district digest on 1,000,000 support actions (SQLite).

    .venv/bin/python bench/bench_totals.py [--rows 1000000] [--db /tmp/chungtay-bench.sqlite3] [--reuse]

Builds a migrated database with the sample district (Krông Pa: one town, 13 communes) and the
catalogue, bulk-inserts support actions spread over communes, categories and organisations, in the
order they are logged (by date, 2024-01-01 … 2026-11-23, about 3 years, ~950 a day), rebuilds the
rollup tables (the bulk load bypasses the ORM listener that keeps them at write time), then times,
through the real services:
- `compute_totals` for typical scopes (a commune or the district; a month, quarter, year; with and
  without the organisation/category filters; ranges with partial edge months; everything), each the
  median of 7 runs;
- the figures of a whole-district digest (totals and previous period, one table row per commune,
  6-month trend) — what `build_digest` computes before it renders files;
- the whole digest `build_digest` builds: text, XLSX of every record of the month, chart PNG.
Not a test: it is not under tests/ and `make test` does not run it. Results go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlmodel import select  # noqa: E402

from bot.domain.catalogue.file import load_catalogue_file  # noqa: E402
from bot.domain.catalogue.loader import sync_catalogue  # noqa: E402
from bot.domain.periods.calendar import month_of, quarter_of, year_of  # noqa: E402
from bot.domain.records.action_text import Localised  # noqa: E402
from bot.domain.reports.digests import build_digest  # noqa: E402
from bot.domain.reports.exports import monthly_values  # noqa: E402
from bot.domain.reports.sentences import by_child_unit, scope_totals  # noqa: E402
from bot.domain.totals.aggregate import compute_totals  # noqa: E402
from bot.domain.totals.rollup import rebuild_rollup  # noqa: E402
from bot.domain.units.tree import import_units_csv  # noqa: E402
from bot.i18n import get_translator  # noqa: E402
from db.migrate import upgrade_to_head  # noqa: E402
from db.models import Category, Organisation, Role, Unit, User  # noqa: E402
from db.queries import get_unit_by_code  # noqa: E402
from db.session import SessionFactory, make_engine  # noqa: E402

FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2026, 11, 23)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def build(db_path: Path, rows: int, seed: int = 5) -> None:
    """A fresh migrated database with units, catalogue, one author per commune and `rows` actions."""
    if db_path.exists():
        db_path.unlink()
    url = f"sqlite:///{db_path}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with SessionFactory(engine)() as session:
        import_units_csv(session, REPO / "db" / "seed" / "sample-units.csv")
        sync_catalogue(session, load_catalogue_file())
        communes = [u for u in session.exec(select(Unit)).all() if u.kind in ("commune", "town")]
        for index, unit in enumerate(communes):
            session.add(User(telegram_id=9_900_000 + index, display_name=f"bench {index}", role=Role.REPORTER,
                             unit_id=unit.id or 0))
        session.commit()
        authors = {u.unit_id: u.id for u in session.exec(select(User)).all()}
        categories = {c.code: c.id for c in session.exec(select(Category)).all()}
        organisations = [o.id for o in session.exec(select(Organisation)).all()]
        unit_ids = [u.id for u in communes]
    engine.dispose()
    catalogue = load_catalogue_file()
    shapes = []
    for spec in catalogue.category:
        quantity = spec.measure("quantity")
        units = [u.code for u in quantity.units] if quantity and quantity.units else \
            [quantity.unit_vi if quantity else None]
        subtypes = [c.code for c in spec.field(spec.subtype_field).choices] if spec.subtype_field and \
            spec.field(spec.subtype_field) else [None]
        shapes.append((categories[spec.code], quantity is not None, units, subtypes,
                       spec.measure("households") is not None, spec.measure("persons") is not None,
                       spec.measure("value") is not None))
    days = (LAST_DAY - FIRST_DAY).days + 1
    rng = random.Random(seed)
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    sql = ("INSERT INTO support_action (unit_id, organisation_id, category_id, action_date, households, persons, "
           "quantity, quantity_unit, value_dong, subtype, details, author_id, created_at, status, version) "
           "VALUES (?,?,?,?,?,?,?,?,?,?,'{}',?,?,'current',1)")

    def generate(first: int, count: int) -> list[tuple[object, ...]]:
        """Rows `first` … `first + count - 1` in the order they are logged in the field: by date, each
        logged on the day of the support or up to three days later (so a month's records lie together
        in the table, as they do when they are appended day by day)."""
        batch = []
        for index in range(first, first + count):
            unit_id = rng.choice(unit_ids)
            category_id, has_quantity, units, subtypes, has_households, has_persons, has_value = rng.choice(shapes)
            households = rng.randint(1, 40) if has_households else None
            logged = datetime.combine(FIRST_DAY + timedelta(days=index * days // rows), datetime.min.time()) \
                + timedelta(seconds=rng.randrange(86_400))
            action_date = max(FIRST_DAY, logged.date() - timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))))
            batch.append((unit_id, rng.choice(organisations), category_id, action_date.isoformat(), households,
                          rng.randint(1, 120) if has_persons else None,
                          rng.randint(1, 500) if has_quantity else None, rng.choice(units) if has_quantity else None,
                          rng.randint(1, 200) * 100_000 if has_value else None, rng.choice(subtypes),
                          authors[unit_id], logged.isoformat(sep=" ")))
        return batch

    started = time.perf_counter()
    done = 0
    while done < rows:
        count = min(100_000, rows - done)
        connection.executemany(sql, generate(done, count))
        connection.commit()
        done += count
    connection.commit()
    connection.close()
    print(f"inserted {rows:,} support actions in {time.perf_counter() - started:.1f} s")
    # The bulk load bypasses the ORM, so the listener that keeps the monthly rollup did not see it.
    started = time.perf_counter()
    engine = make_engine(url)
    with SessionFactory(engine)() as session:
        months = rebuild_rollup(session)
        session.commit()
    engine.dispose()
    print(f"rebuilt the monthly rollup ({months:,} rows) in {time.perf_counter() - started:.1f} s")
    connection = sqlite3.connect(db_path)
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def timed(label: str, work: Callable[[], object], runs: int = 7) -> float:
    work()  # warm the page cache once
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    median = statistics.median(samples)
    print(f"{median:9.1f} ms  (min {min(samples):.1f}, max {max(samples):.1f})  {label}")
    return median


def measure(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    today = LAST_DAY
    names = Localised(load_catalogue_file(), get_translator("vi"))
    with SessionFactory(engine)() as session:
        district = get_unit_by_code(session, code="GL-KP")
        commune = get_unit_by_code(session, code="GL-KP-IARSAI")
        assert district is not None and commune is not None
        total = session.exec(select(User)).first()
        assert total is not None
        print("totals queries (compute_totals):")
        results = {}
        for scope_label, unit in (("commune", commune), ("district", district)):
            for period_label, period in (("month", month_of(today)), ("quarter", quarter_of(today)),
                                         ("year", year_of(today))):
                results[(scope_label, period_label)] = timed(
                    f"{scope_label}, {period_label}",
                    lambda u=unit, p=period: compute_totals(session, unit=u, start=p.start, end=p.end))
        timed("district, year, organisation filter", lambda: compute_totals(
            session, unit=district, start=year_of(today).start, end=today, organisation_code="womens_union"))
        timed("district, year, category filter", lambda: compute_totals(
            session, unit=district, start=year_of(today).start, end=today, category_code="rice"))
        # The rollup serves whole months and edge months covered for more than half their days (minus
        # the days outside); edge months covered for half or less are summed from the records.
        timed("district, 2 Jan … 30 Dec 2025 (rollup minus 1 Jan and 31 Dec)", lambda: compute_totals(
            session, unit=district, start=date(2025, 1, 2), end=date(2025, 12, 30)))
        timed("district, 16 Jan … 15 Mar 2025 (half of January and of March day by day: the most)",
              lambda: compute_totals(session, unit=district, start=date(2025, 1, 16), end=date(2025, 3, 15)))
        timed("district, 2 … 29 Nov 2025 (November minus 1 and 30 Nov)", lambda: compute_totals(
            session, unit=district, start=date(2025, 11, 2), end=date(2025, 11, 29)))
        timed("district, everything (1 Jan 2024 … 23 Nov 2026)", lambda: compute_totals(
            session, unit=district, start=FIRST_DAY, end=LAST_DAY))
        timed("district, everything, organisation filter", lambda: compute_totals(
            session, unit=district, start=FIRST_DAY, end=LAST_DAY, organisation_code="womens_union"))
        print("whole-district digest (month so far):")
        period = month_of(today)

        def digest_figures() -> None:
            scope = scope_totals(session, unit=district, period=period)
            by_child_unit(session, unit=district, period=period, whole=scope.current)
            monthly_values(session, unit=district, end=period.end)

        timed("digest figures: totals + previous period + 14 communes + 6-month trend", digest_figures, runs=5)
        supervisor = User(telegram_id=1, display_name="bench", role=Role.SUPERVISOR, unit_id=district.id or 0)
        timed("full digest incl. XLSX of every record and chart PNG",
              lambda: build_digest(session, names=names, unit=district, period=period, viewer=supervisor, tz=TZ,
                                  now=datetime.now(UTC)),
              runs=5)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/chungtay-bench.sqlite3"))
    parser.add_argument("--reuse", action="store_true", help="measure an existing database without rebuilding it")
    args = parser.parse_args()
    if not args.reuse:
        build(args.db, args.rows)
    measure(args.db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
