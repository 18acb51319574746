"""The card shown before review figures are saved: what they are, the rates they give, and either why
they cannot be saved or that they replace figures entered before. Plain text lines; the handler adds
the ✅ / ❌ buttons when `can_save`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.domain.formatting import format_number, format_rate
from bot.domain.outcomes.figures import entered, problems_for, rate
from bot.domain.outcomes.text import FIGURE_LABELS, STAGE_LABELS, problem_text
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit


@dataclass(frozen=True)
class ReviewCard:
    lines: list[str]
    can_save: bool


def review_card(session: Session, t: Translator, *, unit: Unit, year: int, stage: str,
                figures: dict[str, int]) -> ReviewCard:
    lines = [t("Poverty review {year} ({stage}), {unit}:").format(year=year, stage=t(STAGE_LABELS[stage]),
                                                                  unit=unit_display(t, unit))]
    for name, label in FIGURE_LABELS.items():
        if name in figures:
            lines.append(f"• {t(label)}: {format_number(figures[name], t.locale)}")
    total = figures.get("total_households") or 0
    if total and "poor" in figures and "near_poor" in figures:
        poverty, near = rate(figures["poor"], total), rate(figures["near_poor"], total)
        lines.append(t("Poverty rate {rate}, near-poverty rate {near}.").format(
            rate=format_rate(poverty, t.locale) if poverty is not None else "–",
            near=format_rate(near, t.locale) if near is not None else "–"))
    problems = problems_for(session, unit=unit, year=year, figures=dict(figures))
    if problems:
        lines += ["", "⚠️ " + t("These figures cannot be saved:")]
        lines += [f"• {problem_text(t, code, values)}" for code, values in problems]
        lines.append(t("Nothing was saved. Send the corrected figures again."))
        return ReviewCard(lines, can_save=False)
    if entered(session, unit_id=unit.id or 0, year=year, stage=stage) is not None:
        lines.append(t("This replaces the figures entered before; they stay in the history."))
    return ReviewCard(lines, can_save=True)
