"""What the chart process (bot/domain/reports/chart_worker.py) runs in tests instead of a chart, or besides it.

The pool sends a function by name, so the child imports this module: it imports only the standard
library, so that what the child holds (`loaded_modules`) is what the charts themselves brought in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def die(**_chart: object) -> bytes:
    """The child dies as if killed (no exception, no goodbye): the pool breaks."""
    os._exit(3)


def die_once(marker: str, **chart: object) -> bytes:
    """The first child dies; the next one (the marker file exists by then) draws the chart."""
    path = Path(marker)
    if not path.exists():
        path.touch()
        os._exit(3)
    from bot.domain.reports.charts import chart_png

    return chart_png(**chart)  # type: ignore[arg-type]


def pid() -> int:
    return os.getpid()


def loaded_modules() -> list[str]:
    return sorted(sys.modules)
