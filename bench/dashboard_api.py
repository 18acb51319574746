"""Benchmark: the dashboard's API for a province supervisor on the national data.

    .venv/bin/python bench/dashboard_api.py [--records 2000000] [--db PATH] [--reuse] [--quick] [--runs 5]

Builds the country with bench/national_data.py (the official 34 provinces and 3,321 communes, `--records`
support actions over three years; `--reuse` measures an existing file, upgraded to the newest schema
first), defines a reporting period for one province (the official one whose commune count is nearest
to a hundred, as a province officer oversees: Lào Cai, 99; a third submitted), then times full HTTP
requests through the real Starlette app (httpx's ASGI transport: initData check, the viewer's lookup,
the service in a worker thread, JSON):
- GET /api/reporting — the province's current period per commune, /status counts and rates;
- GET /api/figures — /totals for the province this month, per commune, and 12 months of trend;
- the same with a category filter, for last year (the rollup's whole-month path), and for one organisation.
Median of `--runs` after a warm-up. Target: under 200 ms each.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from bench.common import machine, now_utc, write_result  # noqa: E402
from bench.national_data import build  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.domain.periods.submissions import create_period, submit  # noqa: E402
from bot.domain.units.official import official_provinces  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.web.app import HEADER, create_app  # noqa: E402
from bot.web.initdata import sign  # noqa: E402
from db.migrate import upgrade_to_head  # noqa: E402
from db.models import Role, SupportAction, Unit, User  # noqa: E402
from db.queries import get_unit_by_code  # noqa: E402

TOKEN = "123456789:BENCH-token"
TODAY = date(2026, 11, 23)  # the last day of the generated records
COMMUNES_OF_A_PROVINCE = 98  # what a province officer oversees; the official sizes run from 38 to 168


def typical_province() -> str:
    """The official province whose commune count is nearest to what an officer oversees (lowest code on a tie),
    so the pages are timed on a real province of the national tree, not a made-up one."""
    return min(official_provinces(), key=lambda p: (abs(len(p.communes) - COMMUNES_OF_A_PROVINCE), p.code)).code


def prepare(runtime: Runtime) -> tuple[int, int, int]:
    """A period of the province for its communes (a third submitted); returns the supervisor's Telegram id,
    the province's commune count and the records in the database (measured, since `--reuse` trusts no flag)."""
    with runtime.session_factory() as session:
        province = get_unit_by_code(session, code=typical_province())
        assert province is not None, "no official province: build the database with bench/national_data.py"
        supervisor = session.exec(select(User).where(User.unit_id == province.id, User.role == Role.SUPERVISOR)).one()
        communes = session.exec(select(Unit).where(Unit.parent_id == province.id).order_by(col(Unit.id))).all()
        now = datetime(2026, 11, 23, 3, tzinfo=UTC)
        period, created = create_period(session, user=supervisor, name="Báo cáo tháng 11/2026 (bench)", kind="month",
                                        start=date(2026, 11, 1), end=date(2026, 11, 30), due=date(2026, 11, 20),
                                        now=now)
        if created:
            for index, commune in enumerate(communes[::3]):
                reporter = session.exec(select(User).where(User.unit_id == commune.id)).first()
                if reporter is not None:
                    submit(session, user=reporter, period=period, now=now - timedelta(days=index % 6),
                           tz=runtime.settings.tz)
        records = session.exec(select(func.count()).select_from(SupportAction)).one()
        return supervisor.telegram_id, len(communes), int(records)


async def measure(db_path: Path, runs: int) -> tuple[dict[str, float], int, int]:
    """Median milliseconds per request, with the province's commune count and the records measured on."""
    settings = load_settings(_env_file=None, telegram_bot_token=TOKEN, database_url=f"sqlite:///{db_path}")
    runtime = Runtime.create(settings)
    runtime.clock = lambda: datetime(2026, 11, 23, 3, tzinfo=UTC)  # type: ignore[method-assign]
    telegram_id, communes, records = prepare(runtime)
    app = create_app(SimpleNamespace(runtime=runtime))
    headers = {HEADER: sign(TOKEN, user={"id": telegram_id}, auth_date=runtime.clock())}
    figures: dict[str, float] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for label, path in ((f"reporting page (province, {communes} communes)", "/api/reporting"),
                            ("figures page (province, this month)", "/api/figures?period=m0"),
                            ("figures page (province, rice only)", "/api/figures?period=m0&cat=rice"),
                            ("figures page (province, last year)", "/api/figures?period=y-1"),
                            ("figures page (province, one organisation)", "/api/figures?period=m0&org=womens_union")):
            samples: list[float] = []
            for attempt in range(runs + 1):
                started = time.perf_counter()
                answer = await client.get(path, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                assert answer.status_code == 200, answer.text
                if attempt:
                    samples.append(elapsed)
            figures[label] = statistics.median(samples)
    runtime.close()
    return figures, communes, records


def render(figures: dict[str, float], records: int) -> str:
    lines = [f"| request, on {records:,} records | ms (median, target < 200) |", "|---|---:|"]
    lines += [f"| {label} | {value:,.0f} |" for label, value in figures.items()]
    return "\n".join(lines)


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
        args.db = args.db.with_name("chungtay-dashboard-quick.sqlite3")
    if args.reuse:
        upgrade_to_head(f"sqlite:///{args.db}")  # a file built by an older checkout
    else:
        build(args.db, args.records, args.users)
    figures, _, records = asyncio.run(measure(args.db, args.runs))
    text = render(figures, records)
    print(f"\n{machine()}, {now_utc()}\n{text}")
    command = "bench/dashboard_api.py " + ("--quick" if args.quick else
                                           f"--reuse --db {args.db} --runs {args.runs}" if args.reuse else
                                           f"--records {args.records} --users {args.users} --runs {args.runs}")
    write_result(args.json, "dashboard_api", command, figures, text)
    if args.quick:
        args.db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
