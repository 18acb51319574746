"""Benchmark: how long the bot's event loop is blocked while heavy requests are built.

    .venv/bin/python bench/loop_lag.py [--rows 300000] [--households 20000] [--quick] [--json PATH]

A lag probe (`LagProbe`: a task that sleeps 10 ms and records how late it wakes) runs in the bot's own
event loop while, one after the other, a district supervisor asks for /digest (text, XLSX of every
record of the month, chart) and /export, and a commune officer sends a household list of
`--households` rows as CSV and confirms it. While the loop is blocked, no other official gets an
answer, so the max lag is the longest a typed line could wait behind these requests.

The real Application runs in this process (as in the end-to-end tests: `tests/support/harness.py`),
on a SQLite file built like bench_totals.py (`--rows` support actions over three years in the sample
district); the fake Bot API shares the loop (its own work per call is small).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import Table, machine, now_utc, own_peak_rss_mb, percentile, write_result  # noqa: E402

TOKEN = "123456789:BENCH-token-for-the-fake-api"


class LagProbe:
    """Sleeps `interval` seconds in a loop and records how late each wake-up is (ms)."""

    def __init__(self, interval: float = 0.010) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, (loop.time() - started - self.interval) * 1000))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-lag-probe")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def take(self) -> dict[str, float]:
        """Max and p99 since the last take, then start afresh."""
        samples, self.samples = self.samples, []
        return {"max_ms": max(samples, default=0.0), "p99_ms": percentile(samples, 0.99), "samples": len(samples)}


def household_csv(count: int) -> bytes:
    lines = ["Mã hộ;Họ tên chủ hộ;Thôn;Phân loại;Số nhân khẩu"]
    kinds = ("hộ nghèo", "cận nghèo")
    lines += [f"HB-{n:05d};Chủ hộ số {n};Thôn {n % 12 + 1};{kinds[n % 2]};{n % 7 + 1}" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


async def run(rows: int, households: int, workdir: Path) -> dict[str, Any]:
    from sqlmodel import select

    from bench.bench_totals import build
    from bot.config import load_settings
    from bot.domain.people.access import create_invite
    from bot.sandbox.fake_api import FakeTelegram
    from db.models import Organisation, Role
    from db.queries import get_unit_by_code
    from db.session import SessionFactory, make_engine
    from tests.support.harness import BotUnderTest, Chat, new_user

    db_path = workdir / "loop-lag.sqlite3"
    build(db_path, rows)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    with SessionFactory(engine)() as session:
        tokens = {}
        for role, code, org_code in (("supervisor", "GL-KP", None), ("reporter", "GL-KP-IARSAI", "womens_union")):
            unit = get_unit_by_code(session, code=code)
            assert unit is not None and unit.id is not None
            org_id = session.exec(select(Organisation.id).where(Organisation.code == org_code)).one() if org_code \
                else None
            tokens[role] = create_invite(session, inviter=None, role=Role(role), unit_id=unit.id,
                                         organisation_id=org_id, ttl=timedelta(hours=6), now=datetime.now(UTC)).token
    engine.dispose()
    fake = FakeTelegram()
    await fake.start()
    settings = load_settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url,
                             database_url=url)
    bot = BotUnderTest(settings, fake)
    await bot.start()
    probe = LagProbe()
    results: dict[str, Any] = {"rows": rows, "households": households}
    try:
        supervisor = Chat(bot=bot, user=new_user("Giám sát"))
        reporter = Chat(bot=bot, user=new_user("Cán bộ"))
        await supervisor.send(f"/start {tokens['supervisor']}")
        await reporter.send(f"/start {tokens['reporter']}")
        probe.start()
        await asyncio.sleep(0.2)
        results["idle"] = probe.take()

        async def timed(name: str, work: Any) -> None:
            probe.take()
            started = time.perf_counter()
            await work()
            results[name] = {**probe.take(), "seconds": time.perf_counter() - started}

        await timed("digest", lambda: supervisor.send("/digest"))
        await timed("export", lambda: supervisor.send("/export"))

        listing = household_csv(households)  # built before the timed window: the bench's work, not the bot's

        async def import_list() -> None:
            await bot.settle(fake.inject_document(reporter.user, listing, "ho-ngheo.csv"))
            await reporter.tap("✅ Nhập")

        await timed("import", import_list)
        results["imported_reply"] = reporter.last.text[:80]
    finally:
        await probe.stop()
        await bot.stop()
        bot.close()
        await fake.stop()
    results["peak_rss_mb"] = own_peak_rss_mb()
    return results


def render(result: dict[str, Any]) -> str:
    table = Table(["while building", "took (s)", "max loop lag (ms)", "p99 loop lag (ms)"], [])
    labels = {"digest": "/digest of the whole district (text, XLSX, chart)", "export": "/export (district, XLSX)",
              "import": f"household list of {result['households']:,} rows (CSV), read and confirmed"}
    for key, label in labels.items():
        figures = result[key]
        table.rows.append([label, f"{figures['seconds']:.2f}", f"**{figures['max_ms']:.0f}**",
                           f"{figures['p99_ms']:.0f}"])
    idle = result["idle"]
    table.rows.append(["(idle bot, for reference)", "–", f"{idle['max_ms']:.1f}", f"{idle['p99_ms']:.1f}"])
    return table.markdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000, help="support actions in the database")
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.households = 3_000, 300
    workdir = Path(tempfile.mkdtemp(prefix="chungtay-loop-lag-"))
    try:
        result = asyncio.run(run(args.rows, args.households, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = render(result)
    print(f"\n{machine()}, {now_utc()}\n{text}")
    command = "bench/loop_lag.py " + ("--quick" if args.quick else f"--rows {args.rows} --households {args.households}")
    write_result(args.json, "loop_lag", command, result, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
