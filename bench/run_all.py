"""Run every benchmark and put its figures in BENCHMARKS.md (`make bench`; `make bench QUICK=1`).

    .venv/bin/python bench/run_all.py [--quick] [--only chat_path broadcast ...] [--no-write] [--out DIR]

Each benchmark runs as its own process (so one's memory does not colour the next one's RSS) and writes
its figures as JSON; this script then replaces the section between `<!-- bench:NAME -->` and
`<!-- /bench:NAME -->` in BENCHMARKS.md with the machine, the date, the command and the table.
Quick mode runs each in seconds, for `tests/test_bench_quick.py` (which checks that they run and produce
numbers, not how fast); its figures are only indicative and are not written unless `--write` is given.
bench_totals.py (1,000,000 records, ~2 minutes) is not run here; its section is written by hand.
In full mode dashboard_api.py measures the national database national_data.py has just built (the
same default file) rather than building a second one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = ("chat_path", "broadcast", "loop_lag", "national_data", "dashboard_api")
TITLES = {
    "chat_path": "Chat path: Chung Tay against a bare python-telegram-bot",
    "broadcast": "Broadcast: reminders through the outbox under flood control, with a restart",
    "loop_lag": "Event-loop lag while heavy requests are built",
    "national_data": "National scale: the official 34 provinces and 3,321 communes",
    "dashboard_api": "Dashboard API: a province's pages on the national tree",
}


def run(name: str, quick: bool, out: Path, extra: list[str]) -> dict[str, Any]:
    path = out / f"{name}.json"
    command = [sys.executable, str(REPO / "bench" / f"{name}.py"), "--json", str(path), *extra]
    if quick:
        command.append("--quick")
    subprocess.run(command, check=True, cwd=REPO)
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def section(result: dict[str, Any]) -> str:
    name = result["name"]
    return (f"<!-- bench:{name} -->\n## {TITLES[name]}\n\n"
            f"- Command: `.venv/bin/python {result['command']}`\n"
            f"- Machine: {result['machine']}; {result['date']}\n\n"
            f"{result['markdown']}\n<!-- /bench:{name} -->")


def update_benchmarks_md(path: Path, results: list[dict[str, Any]]) -> None:
    """Replace each benchmark's marked section, or append it at the end the first time."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    for result in results:
        start, end = f"<!-- bench:{result['name']} -->", f"<!-- /bench:{result['name']} -->"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            text = before + section(result) + after
        else:
            text = text.rstrip("\n") + "\n\n" + section(result) + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md even in quick mode")
    parser.add_argument("--out", type=Path, help="keep the JSON results here")
    parser.add_argument("--national-records", type=int, help="national_data.py --records (full mode)")
    parser.add_argument("--broadcast-n", type=int, help="broadcast.py --n (full mode)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="chungtay-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    extras: dict[str, list[str]] = {name: [] for name in BENCHMARKS}
    if args.national_records and not args.quick:
        extras["national_data"] = ["--records", str(args.national_records)]
    if args.broadcast_n and not args.quick:
        extras["broadcast"] = ["--n", str(args.broadcast_n)]
    if "national_data" in args.only and not args.quick:
        extras["dashboard_api"] = ["--reuse"]  # the database national_data.py has just built (same default file)
    results = [run(name, args.quick, out, extras[name]) for name in args.only]
    if not args.no_write and (args.write or not args.quick):
        update_benchmarks_md(REPO / "BENCHMARKS.md", results)
        print("BENCHMARKS.md updated")
    print(f"results in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
