"""What a report or an export covers: one unit's subtree, one period and the optional filters (as in /totals).

A module of its own because every report file reads it (the workbook, the DOCX draft, its summary table,
the digests): kept below them, none of them has to import another to name what it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.periods.calendar import Period
from db.models import Unit


@dataclass(frozen=True)
class ExportScope:
    """What to export: a unit's subtree, a period and the optional filters (as in /totals)."""

    unit: Unit
    period: Period
    organisation_code: str | None = None
    category_code: str | None = None
