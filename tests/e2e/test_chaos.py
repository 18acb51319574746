"""The short chaos run (bench/chaos.py --quick) in every `make test`: 4 officers log entries and tap ✅
through the real bot process, which is SIGKILLed and restarted twice meanwhile. Every entry a user saw
saved is stored exactly once, nothing is doubled, nothing half-written. (The full run, with a
PostgreSQL restart, is in BENCHMARKS.md.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.support.databases import REPO


def _chaos_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chungtay_chaos", REPO / "bench" / "chaos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


async def test_quick_chaos_run_loses_and_doubles_nothing(database_url: str, tmp_path: Path) -> None:
    chaos = _chaos_module()
    report = await chaos.run(chaos.Options.quick(database_url), workdir=tmp_path)
    print(report.lines())
    assert report.ok, report.lines()
    assert report.kills == 2
    assert report.gave_up == 0, report.lines()
    # each entry ended seen as saved, or saved with the kill before the answer ("already closed" on retry)
    assert report.acknowledged + report.stored_unacknowledged == report.entries == report.stored, report.lines()
    assert report.duration < 60
