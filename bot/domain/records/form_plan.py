"""The /log form's rules, each written once: which steps a new entry asks and in what order, which one
"same as last time" asks, which steps ✏️ Edit may open, when the quantity's unit is asked, and how a
typed quantity's unit word is read.

Why here and not in the handlers: the chat form, the quick-entry card and the coming channels (Zalo,
the dashboard) must ask the same things in the same order; a handler only shows the step this module
names. A step is a string: a measure code ("quantity"), "again:<measure>" (the figure of a repeated
entry), "field:<code>" (a category's own field), "quantity_unit", or one of `COMMON_STEPS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.domain.catalogue.file import CatalogueFile, CategorySpec, Measure
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.numbers import NumberError, parse_quantity
from bot.domain.records.actions import Draft, needs_quantity_unit, ordered_measures, skippable

QUANTITY_UNIT = "quantity_unit"
AGAIN = "again:"
FIELD = "field:"
CHOICE_STEPS = ("beneficiary_class", "funding_source", "action_date")
"""Asked after the figures and fields of a new entry, in this order."""
COMMON_STEPS = ("organisation", "beneficiary_class", "funding_source", "action_date", "household", "note",
                "photo", "location")
"""Steps every category has (besides its measures and fields); ✏️ Edit may open any of them."""


def new_entry_plan(spec: CategorySpec) -> list[str]:
    """Every step of a new entry of `spec`: its figures (main one first, money last), its fields, then
    who received it, the funding and the date."""
    return [m.code for m in ordered_measures(spec)] + [f"{FIELD}{f.code}" for f in spec.fields] + list(CHOICE_STEPS)


def main_measure(spec: CategorySpec) -> Measure:
    """The figure a category is recorded by: its first required measure in asking order (the first
    measure when none is required). "Same as last time" asks it; /target sets targets on it."""
    measures = ordered_measures(spec)
    return next((m for m in measures if m.required), measures[0])


def repeat_plan(spec: CategorySpec) -> list[str]:
    """"Same as last time": only the main figure is asked again."""
    return [f"{AGAIN}{main_measure(spec).code}"]


def editable_steps(spec: CategorySpec) -> set[str]:
    """The steps ✏️ Edit may open for `spec` (a button naming any other step is stale or forged)."""
    return {*COMMON_STEPS, *(m.code for m in spec.measures), *(f"{FIELD}{f.code}" for f in spec.fields)}


def measure_of(step: str) -> str:
    """The measure code a step asks ("again:quantity" → "quantity"), or the step itself."""
    return step.removeprefix(AGAIN)


def plan_to_ask(plan: Sequence[str], draft: Draft, spec: CategorySpec) -> list[str]:
    """The plan as it is asked next: a quantity whose unit is still open is preceded by its unit."""
    steps = list(plan)
    if steps and measure_of(steps[0]) == "quantity" and spec.measure("quantity") is not None \
            and needs_quantity_unit(draft, spec):
        steps.insert(0, QUANTITY_UNIT)
    return steps


def read_quantity(catalogue: CatalogueFile, spec: CategorySpec, draft: Draft, text: str) -> Decimal:
    """A typed quantity ("5 tấn", "12 con") set on `draft` with its unit: a unit word must be one of the
    quantity's units (read by the one catalogue matcher), else the answer is "not_a_number"."""
    measure = spec.measure("quantity")
    assert measure is not None
    amount, unit_word = parse_quantity(text)
    if unit_word:
        matcher = matcher_for(catalogue)
        code = matcher.exact(unit_word, matcher.quantity_units[spec.code])
        if code is None:
            raise NumberError("not_a_number")
        if measure.units:
            draft.quantity_unit = code
    draft.set_measure("quantity", amount)
    return amount


def step_values(catalogue: CatalogueFile, spec: CategorySpec, step: str) -> set[str]:
    """The values the buttons of `step` offer: a pressed value is checked against them before it is stored
    (a button of an earlier question, or a forged one, offers something else)."""
    quantity = spec.measure("quantity")
    extra = spec.field(step.removeprefix(FIELD)) if step.startswith(FIELD) else None
    return {
        QUANTITY_UNIT: {u.code for u in quantity.units} if quantity is not None else set(),
        "organisation": {o.code for o in catalogue.organisation},
        "beneficiary_class": {b.code for b in catalogue.beneficiary_class},
        "funding_source": {f.code for f in catalogue.funding_source},
        "action_date": {"today", "yesterday"},
    }.get(step, {c.code for c in extra.choices} if extra is not None and extra.choices else set())


def skip_allowed(draft: Draft, spec: CategorySpec, step: str, ahead: Sequence[str]) -> bool:
    """Whether a ⏭ pressed on `step` is taken (`ahead`: the steps planned after it). A record needs one
    figure: a measure may be skipped while another is given or still to be asked; skipping the unit of a
    quantity not yet given skips the quantity; the organisation, the date and a repeated entry's figure
    are never skipped."""
    if step == QUANTITY_UNIT:
        return draft.quantity is None and skippable(draft, spec, "quantity", ahead)
    if spec.measure(step) is not None:
        return skippable(draft, spec, step, ahead)
    return step not in ("organisation", "action_date") and not step.startswith(AGAIN)
