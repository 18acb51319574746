"""Benchmark: reading one quick-entry line, and the reading corpus's score.

    .venv/bin/python bench/reading.py [--repeat 20]

Reads every line of the corpus (tests/support/reading_corpus.txt) the way the bot does - entry or
question (`line_kind`), then its actions (`split_actions`, which reads each one) or the one card
(`parse_quick_entry`) - `--repeat` times, and prints the time per
line (median, 99th percentile, slowest) with the corpus score: lines read right in one step, silent wrong
figures. The target is under 2 ms a line. Not a test: `make test` does
not run it; tests/unit/test_reading_corpus.py checks the score, not the speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.domain.catalogue.file import load_catalogue_file  # noqa: E402
from bot.domain.parsing.quick_entry import parse_quick_entry  # noqa: E402
from bot.domain.parsing.segments import split_actions  # noqa: E402
from bot.domain.totals.questions import ENTRY, line_kind  # noqa: E402
from tests.support.reading_corpus import TODAY, load, measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    catalogue = load_catalogue_file()
    readings, deferred = measure(catalogue)  # also builds the lexicon once, as the running bot has
    lines = [row.line for row in load(catalogue)]
    per_line: dict[str, list[float]] = {line: [] for line in lines}
    for _ in range(args.repeat):
        for line in lines:
            start = time.perf_counter()
            if line_kind(line, catalogue=catalogue, today=TODAY) == ENTRY \
                    and split_actions(line, catalogue, today=TODAY) is None:
                parse_quick_entry(line, catalogue, today=TODAY)
            per_line[line].append((time.perf_counter() - start) * 1000)
    # Each line's best of the repeats: the machine is shared, and a descheduled reading says nothing about the
    # code; the median of every reading is printed beside it.
    everything = [value for values in per_line.values() for value in values]
    timings = sorted(min(values) for values in per_line.values())
    slowest = max(per_line, key=lambda line: min(per_line[line]))
    right = sum(r.right for r in readings)
    silent = sum(r.silent_wrong for r in readings)
    print(f"corpus: {len(readings)} lines scored, {right} read right in one step ({right / len(readings):.1%}), "
          f"{silent} silent wrong figures" + (f", {len(deferred)} deferred" if deferred else ""))
    print(f"time per line (best of {args.repeat} readings of each of {len(timings)} lines): median "
          f"{statistics.median(timings):.3f} ms, p99 {timings[int(len(timings) * 0.99)]:.3f} ms, slowest "
          f"{timings[-1]:.3f} ms ({slowest!r}); median of all readings {statistics.median(everything):.3f} ms")
    for reading in readings:
        if not reading.right:
            print(f"  ✗ {reading.row.line} :: {reading.why}")


if __name__ == "__main__":
    main()
