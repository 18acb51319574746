"""Benchmark: national-scale data, generated, then the everyday questions timed on it.

    .venv/bin/python bench/national_data.py [--records 2000000] [--users 30000] [--db PATH] [--reuse] [--quick]

The country (after the 2025 reform: two levels, province → commune):
- one national unit and under it the official 34 provinces and 3,321 communes (2,621 xã, 687 phường,
  13 đặc khu; 38 to 168 a province) from the vietnam-provinces package, imported as an operator does
  (`import_official_units`, i.e. `chungtay import-units --all --under VN`; timed);
- the catalogue's organisations (UBND xã, MTTQ, Hội LHPN, …), which every commune has;
- `--users` officials (reporters of a commune and an organisation, plus one supervisor a province and
  a national one);
- `--records` support actions over three years (1 Jan 2024 … 23 Nov 2026), inserted in the order they
  are logged with `executemany` batches of 100,000 (as bench_totals.py), then `rebuild_rollup`.
Timed through the real services (median of 5 after a warm-up): `compute_totals` for a commune, the
largest province (168 communes) and the whole country over a month, a quarter, a year; the totals by
unit (`by_child_unit`: each child's totals) of that province and of the country; the /status text of a
national reporting period expecting every commune; that province's whole digest (`build_digest`: text,
XLSX, chart); a second import of all official units into the full database (names updated, nothing
created). Targets: totals < 50 ms, /status and totals by unit < 1 s, province digest < 1 s, importing
all 34 provinces < 10 s.
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlmodel import col, select  # noqa: E402

from bench.common import Table, machine, now_utc, own_peak_rss_mb, write_result  # noqa: E402
from bot.domain.catalogue.file import load_catalogue_file  # noqa: E402
from bot.domain.catalogue.loader import sync_catalogue  # noqa: E402
from bot.domain.periods.calendar import month_of, quarter_of, year_of  # noqa: E402
from bot.domain.periods.status_text import status_text  # noqa: E402
from bot.domain.periods.submissions import create_period  # noqa: E402
from bot.domain.records.action_text import Localised  # noqa: E402
from bot.domain.reports.digests import build_digest  # noqa: E402
from bot.domain.reports.sentences import by_child_unit  # noqa: E402
from bot.domain.totals.aggregate import compute_totals  # noqa: E402
from bot.domain.totals.rollup import rebuild_rollup  # noqa: E402
from bot.domain.units.official import import_official_units, official_provinces  # noqa: E402
from bot.domain.units.tree import import_units_csv  # noqa: E402
from bot.i18n import get_translator  # noqa: E402
from db.migrate import upgrade_to_head  # noqa: E402
from db.models import Category, Organisation, Role, Unit, User  # noqa: E402
from db.queries import get_unit_by_code  # noqa: E402
from db.session import SessionFactory, make_engine  # noqa: E402

FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2026, 11, 23)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE_KINDS = ("commune", "ward", "special_zone")
COUNTRY = "code,name,kind,parent_code\nVN,Việt Nam,country,\n"


def largest_province() -> str:
    """The official code of the province with the most communes (the heaviest digest and by-unit list)."""
    return max(official_provinces(), key=lambda p: len(p.communes)).code


def build(db_path: Path, records: int, users: int, seed: int = 7) -> dict[str, float]:
    timings: dict[str, float] = {}
    if db_path.exists():
        db_path.unlink()
    url = f"sqlite:///{db_path}"
    started = time.perf_counter()
    upgrade_to_head(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    with SessionFactory(engine)() as session:
        import_units_csv(session, COUNTRY)
        timings["migrate, country unit (s)"] = time.perf_counter() - started
        import_started = time.perf_counter()
        import_official_units(session, [], everything=True, under="VN")
        timings["import all official units: 34 provinces, 3,321 communes (s)"] = time.perf_counter() - import_started
        sync_catalogue(session, load_catalogue_file())
        units = session.exec(select(Unit)).all()
        leaf = [u for u in units if u.kind in COMMUNE_KINDS]
        organisations = [o.id for o in session.exec(select(Organisation)).all()]
        people = [User(telegram_id=9_000_000 + n, display_name=f"Cán bộ {n}", role=Role.REPORTER,
                       unit_id=leaf[n % len(leaf)].id or 0, organisation_id=rng.choice(organisations))
                  for n in range(users)]
        people += [User(telegram_id=8_900_000 + n, display_name=f"Giám sát {n}", role=Role.SUPERVISOR,
                        unit_id=u.id or 0)
                   for n, u in enumerate(u for u in units if u.kind in ("province", "city", "country"))]
        session.add_all(people)
        session.commit()
        authors: dict[int, list[int]] = {}
        for user in session.exec(select(User).where(User.role == Role.REPORTER)).all():
            authors.setdefault(user.unit_id, []).append(user.id or 0)
        categories = {c.code: c.id for c in session.exec(select(Category)).all()}
        unit_ids = [u.id or 0 for u in leaf if u.id in authors]  # all of them unless --quick (fewer users)
    engine.dispose()
    timings["units, catalogue, users (s)"] = time.perf_counter() - started
    shapes = []
    for spec in load_catalogue_file().category:
        quantity = spec.measure("quantity")
        kinds = [u.code for u in quantity.units] if quantity and quantity.units else \
            [quantity.unit_vi if quantity else None]
        subtypes = [c.code for c in spec.field(spec.subtype_field).choices] if spec.subtype_field and \
            spec.field(spec.subtype_field) else [None]
        shapes.append((categories[spec.code], quantity is not None, kinds, subtypes,
                       spec.measure("households") is not None, spec.measure("persons") is not None,
                       spec.measure("value") is not None))
    days = (LAST_DAY - FIRST_DAY).days + 1
    sql = ("INSERT INTO support_action (unit_id, organisation_id, category_id, action_date, households, persons, "
           "quantity, quantity_unit, value_dong, subtype, details, author_id, created_at, status, version) "
           "VALUES (?,?,?,?,?,?,?,?,?,?,'{}',?,?,'current',1)")

    def generate(first: int, count: int) -> list[tuple[object, ...]]:
        """In the order they are logged: by date, each on the day of the support or up to 3 days later."""
        batch = []
        for index in range(first, first + count):
            unit_id = rng.choice(unit_ids)
            category_id, has_quantity, kinds, subtypes, has_households, has_persons, has_value = rng.choice(shapes)
            logged = datetime.combine(FIRST_DAY + timedelta(days=index * days // records), datetime.min.time()) \
                + timedelta(seconds=rng.randrange(86_400))
            action_date = max(FIRST_DAY, logged.date() - timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))))
            batch.append((unit_id, rng.choice(organisations), category_id, action_date.isoformat(),
                          rng.randint(1, 40) if has_households else None, rng.randint(1, 120) if has_persons else None,
                          rng.randint(1, 500) if has_quantity else None, rng.choice(kinds) if has_quantity else None,
                          rng.randint(1, 200) * 100_000 if has_value else None, rng.choice(subtypes),
                          rng.choice(authors[unit_id]), logged.isoformat(sep=" ")))
        return batch

    started = time.perf_counter()
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    done = 0
    while done < records:
        count = min(100_000, records - done)
        connection.executemany(sql, generate(done, count))
        connection.commit()
        done += count
    connection.close()
    timings["insert records (s)"] = time.perf_counter() - started
    started = time.perf_counter()
    engine = make_engine(url)
    with SessionFactory(engine)() as session:
        rows = rebuild_rollup(session)
        session.commit()
    engine.dispose()
    timings["rebuild_rollup (s)"] = time.perf_counter() - started
    timings["rollup rows"] = float(rows)
    connection = sqlite3.connect(db_path)
    connection.execute("ANALYZE")
    connection.close()
    for label, value in timings.items():
        print(f"{label}: {value:,.1f}", flush=True)
    return timings


def timed(work: Callable[[], object], runs: int = 5) -> float:
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(db_path: Path, runs: int) -> dict[str, float]:
    engine = make_engine(f"sqlite:///{db_path}")
    names = Localised(load_catalogue_file(), get_translator("vi"))
    gc.freeze()  # as the bot does once started (bot/app.py): full collections no longer walk start-up objects
    figures: dict[str, float] = {}
    today = LAST_DAY
    with SessionFactory(engine)() as session:
        country = get_unit_by_code(session, code="VN")
        province = get_unit_by_code(session, code=largest_province())
        assert country is not None and province is not None
        commune = session.exec(select(Unit).where(Unit.parent_id == province.id).order_by(Unit.code)).first()
        assert commune is not None
        for scope, unit in (("commune", commune), ("province", province), ("country", country)):
            for label, period in (("month", month_of(today)), ("quarter", quarter_of(today)), ("year", year_of(today))):
                figures[f"totals: {scope}, {label}"] = timed(
                    lambda u=unit, p=period: compute_totals(session, unit=u, start=p.start, end=p.end), runs)
        children = len(session.exec(select(Unit.id).where(Unit.parent_id == province.id)).all())
        for scope, unit in ((f"province ({children} communes)", province), ("country (34 provinces)", country)):
            figures[f"totals by unit: {scope}, month"] = timed(
                lambda u=unit: by_child_unit(session, unit=u, period=month_of(today)), runs)
        figures["totals: country, everything"] = timed(
            lambda: compute_totals(session, unit=country, start=FIRST_DAY, end=LAST_DAY), runs)
        national = session.exec(select(User).where(User.unit_id == country.id)).one()
        communes = [u.id or 0 for u in session.exec(select(Unit).where(col(Unit.kind).in_(COMMUNE_KINDS))).all()]
        period, _ = create_period(session, user=national, name="Báo cáo tháng 11/2026", kind="month",
                                  start=date(2026, 11, 1), end=date(2026, 11, 30), due=date(2026, 12, 5),
                                  now=datetime.now(UTC), unit_ids=communes)
        session.commit()
        figures[f"/status text over {len(communes):,} communes"] = timed(
            lambda: status_text(session, names, period), runs)
        viewer = session.exec(select(User).where(User.unit_id == province.id)).one()
        figures[f"province digest (text, XLSX, chart), {children} communes"] = timed(
            lambda: build_digest(session, names=names, unit=province, period=month_of(today), viewer=viewer, tz=TZ,
                                 now=datetime.now(UTC)), max(1, runs // 2))
    with SessionFactory(engine)() as session:
        started = time.perf_counter()
        import_official_units(session, [], everything=True, under="VN")
        figures["re-import all official units into the full database"] = (time.perf_counter() - started) * 1000
    engine.dispose()
    return figures


def render(build_timings: dict[str, float], figures: dict[str, float], args: argparse.Namespace) -> str:
    table = Table(["query", "ms (median)"], [[label, f"{value:.1f}"] for label, value in figures.items()])
    setup = Table(["setup", "value"], [[label, f"{value:,.1f}"] for label, value in build_timings.items()])
    communes = sum(len(p.communes) for p in official_provinces())
    setup.rows.insert(0, ["records / users / communes", f"{args.records:,} / {args.users:,} / {communes:,}"])
    setup.rows.append(["peak RSS (MiB)", f"{own_peak_rss_mb():.0f}"])
    return setup.markdown() + "\n\n" + table.markdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--users", type=int, default=30_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/chungtay-national.sqlite3"))
    parser.add_argument("--reuse", action="store_true", help="measure an existing file without rebuilding it")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.users, args.runs = 20_000, 2_000, 1
        args.db = args.db.with_name("chungtay-national-quick.sqlite3")
    build_timings: dict[str, Any] = {}
    if not args.reuse:
        build_timings = build(args.db, args.records, args.users)
    figures = measure(args.db, args.runs)
    text = render(build_timings, figures, args)
    print(f"\n{machine()}, {now_utc()}\n{text}")
    command = "bench/national_data.py " + (
        "--quick" if args.quick else f"--records {args.records} --users {args.users}")
    write_result(args.json, "national_data", command, {**build_timings, **figures}, text)
    if args.quick:
        args.db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
