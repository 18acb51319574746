"""The question asked about a suspected double count, as a screen (plain data).

Asked after saving, in /suspects and at the end of a digest; the renderer (bot/presentation/render.py) makes
the two answer buttons through the one callback codec.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.formatting import format_day
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.draft import draft_from_action
from bot.domain.screen import Screen, button
from bot.domain.spans import text as one_line
from db.models import SupportAction
from db.queries import get_unit


def duplicate_question(names: Localised, session: Session, *, action: SupportAction,
                       original: SupportAction) -> Screen:
    """"Hội LHPN đã ghi hỗ trợ gạo 45 hộ, 5.410 kg ngày 20/11/2026: cùng một đợt?" with the two answers."""
    t = names.t
    earlier = draft_from_action(original, session)
    spec = names.catalogue.category_by_code(earlier.category or "")
    what = f"{names.category(spec).lower()} {figures_line(names, spec, earlier)}" if spec else "?"
    question = t("{organisation} already logged {what} on {date}: is this the same distribution?").format(
        organisation=names.at_unit(get_unit(session, unit_id=original.unit_id)).organisation(earlier.organisation),
        what=what, date=format_day(original.action_date, t.locale))
    return Screen(one_line(f"⚠️ #{action.id}: {question}"), [
        [button(t("Same distribution — do not add it again"), "duplicate", "same", action.id or 0)],
        [button(t("A different distribution"), "duplicate", "other", action.id or 0)]])
