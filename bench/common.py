"""Helpers shared by the benchmarks: another process's CPU time and memory, percentiles, tables,
and the machine description that goes next to every figure in BENCHMARKS.md.

Why /proc: the chat-path benchmark runs each bot in its own subprocess and the driver (with the fake
Bot API) in the parent, so the bot's CPU time is read from the child's /proc/<pid>/stat around the
measured phase only (start-up and migration are left out). Linux only, which is where we run.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import statistics
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid`, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def proc_rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of `pid` in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def own_peak_rss_mb() -> float:
    """Peak RSS of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no samples (a quick run may have few)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0


def machine() -> str:
    """One line naming the machine, Python and SQLite, for BENCHMARKS.md."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} vCPU, {platform.system()} {platform.release()}, "
            f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class Table:
    """A Markdown table printed to stdout and kept for the results file."""

    headers: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |",
                 "|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.headers))) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def write_result(path: Path | None, name: str, command: str, figures: dict[str, Any], text: str) -> None:
    """Store one benchmark's figures (JSON, for run_all and the quick test) next to its Markdown."""
    if path is None:
        return
    path.write_text(json.dumps({"name": name, "command": command, "machine": machine(), "date": now_utc(),
                                "figures": figures, "markdown": text}, ensure_ascii=False, indent=1))
