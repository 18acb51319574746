"""The /log form's card as a screen: the draft's summary with ✅ Save / ✏️ Edit / ❌ Cancel, the question
when a per-unit figure and a written total disagree, and the saved record with its running total.

Why in the domain: the card is what an official checks before a record exists; every channel must show
the same card with the same buttons, so the chat's handler only renders what this module returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from bot.domain.records.action_text import Localised, measure_text, per_unit_text
from bot.domain.records.actions import Draft
from bot.domain.records.form_screens import part_label
from bot.domain.records.log_entry import SavedEntry, card_screen
from bot.domain.screen import Button, Screen, button
from bot.domain.spans import Text
from db.models import User


@dataclass(frozen=True)
class EntryCard:
    """The card to show, and the draft to keep: a new entry loses a household its author may no longer
    see (bot/domain/records/actions.py: `card_view`)."""

    screen: Screen
    draft: Draft


def _prefixed(prefix: str, body: Text) -> Text:
    """`body` with `prefix` ("(1/2) ") in front of its first line."""
    if not prefix or not body.lines:
        return Text(list(body.lines))
    return Text([(*Text().add(prefix).lines[0], *body.lines[0]), *body.lines[1:]])


def entry_card_screen(session: Session, *, viewer: User, draft: Draft, names: Localised, now: datetime,
                      part: tuple[int, int] | None, takes_attachments: bool) -> EntryCard:
    """The card of `draft` as `viewer` may see it. While a per-unit figure and the written total disagree,
    the card asks which is right instead of offering ✅ (it cannot be saved before)."""
    t = names.t
    shown = card_screen(session, user=viewer, draft=draft, names=names, now=now)
    edit, cancel = button("✏️ " + t("Edit"), "log.edit"), button("❌ " + t("Cancel"), "log.cancel")
    choice = total_choice(names, shown.draft)
    if choice is not None:
        question, rows = choice
        return EntryCard(Screen(Text().extend(shown.text).add("").add(question), [*rows, [edit, cancel]]),
                         shown.draft)
    hint = (t("Check the figures, then tap ✅ Save. You can also send a photo or your location.")
            if takes_attachments else t("Check the figures, then tap ✅ Save."))
    body = _prefixed(part_label(part), shown.text).add("").add(hint)
    return EntryCard(Screen(body, [[button("✅ " + t("Save"), "log.save"), edit, cancel]]), shown.draft)


def total_choice(names: Localised, draft: Draft) -> tuple[str, list[list[Button]]] | None:
    """The question when a per-unit figure and the written total disagree, and its two buttons."""
    choice = draft.total_choice
    spec = names.catalogue.category_by_code(draft.category or "")
    if not choice or spec is None:
        return None
    measure = spec.measure(choice.get("measure", ""))
    if measure is None:
        return None
    t = names.t
    shown = {}
    for key in ("derived", "written"):
        probe = Draft(quantity_unit=draft.quantity_unit)
        probe.set_measure(measure.code, Decimal(choice[key]))
        shown[key] = measure_text(names, measure, probe) or choice[key]
    derived = (draft.reading.get("per_unit") or {}).get(measure.code)
    how = per_unit_text(names, spec, draft, derived, measure.code) if isinstance(derived, dict) else ""
    text = t("⚠️ {label}: per unit, {how} = {derived}, but the line also says {written}. Which is right?").format(
        label=names.measure_label(measure), how=how, derived=shown["derived"], written=shown["written"])
    rows = [[button(f"{how} = {shown['derived']}", "log.pick_total", "d")],
            [button(t("As written: {written}").format(written=shown["written"]), "log.pick_total", "w")]]
    return text, rows


def saved_screen(names: Localised, saved: SavedEntry, *, part: tuple[int, int] | None) -> Screen:
    """After ✅: the card becomes the stored record, with the unit's running total under it."""
    t = names.t
    body = _prefixed(part_label(part), saved.card).add("").add(
        "✅ " + t("Saved as record #{id}.").format(id=saved.record_id))
    if saved.marked_unusual:
        body.add("⚠️ " + t("Marked for your supervisor: unusual figures, confirmed."))
    return Screen(body.add("").extend(saved.running_total))
