"""The /log form's rules, each once in the domain (bot/domain/records/form_plan.py): the step plan, the
main measure, the steps ✏️ Edit may open, the quantity-unit rule and the unit word of a typed quantity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.catalogue.file import CategorySpec, load_catalogue_file
from bot.domain.parsing.numbers import NumberError
from bot.domain.records.actions import Draft, missing_required, needs_quantity_unit
from bot.domain.records.form_plan import (
    COMMON_STEPS,
    editable_steps,
    main_measure,
    new_entry_plan,
    plan_to_ask,
    read_quantity,
    repeat_plan,
    skip_allowed,
    step_values,
)

CATALOGUE = load_catalogue_file()


def spec(code: str) -> CategorySpec:
    found = CATALOGUE.category_by_code(code)
    assert found is not None
    return found


def test_a_new_entry_asks_figures_main_first_money_last_then_fields_then_the_common_choices() -> None:
    assert new_entry_plan(spec("housing")) == ["quantity", "households", "value", "field:build_type",
                                               "field:status", "beneficiary_class", "funding_source", "action_date"]
    assert new_entry_plan(spec("loan"))[:5] == ["households", "value", "field:lender", "field:purpose", "field:term"]


def test_the_main_measure_is_the_first_required_one_in_asking_order() -> None:
    assert main_measure(spec("rice")).code == "quantity"
    assert main_measure(spec("loan")).code == "households"  # money is required too, but asked last
    assert main_measure(spec("education")).code == "persons"
    assert repeat_plan(spec("loan")) == ["again:households"]


def test_the_main_measure_does_not_depend_on_the_order_the_catalogue_lists_measures_in() -> None:
    loan = spec("loan")
    money_first = loan.model_copy(update={"measures": tuple(reversed(loan.measures))})
    assert [m.code for m in money_first.measures] == ["value", "households"]
    assert main_measure(money_first).code == "households"  # the form and /target both count households


def test_the_main_measure_falls_back_to_the_first_measure_when_none_is_required() -> None:
    rice = spec("rice")
    optional = rice.model_copy(update={"measures": tuple(m.model_copy(update={"required": False})
                                                         for m in rice.measures)})
    assert main_measure(optional).code == "quantity"


def test_edit_may_open_the_common_steps_and_the_categorys_own_figures_and_fields_only() -> None:
    steps = editable_steps(spec("housing"))
    assert set(COMMON_STEPS) <= steps and {"quantity", "households", "value", "field:build_type"} <= steps
    assert "persons" not in steps and "field:kind" not in steps and "quantity_unit" not in steps


def test_a_quantity_of_several_units_asks_its_unit_first_and_only_while_none_is_chosen() -> None:
    livelihood = spec("livelihood")
    draft = Draft(category="livelihood")
    assert needs_quantity_unit(draft, livelihood)
    assert plan_to_ask(["quantity", "households"], draft, livelihood) == ["quantity_unit", "quantity", "households"]
    assert plan_to_ask(["households"], draft, livelihood) == ["households"]  # asked with its quantity only
    draft.quantity_unit = "kg"
    assert not needs_quantity_unit(draft, livelihood)
    assert plan_to_ask(["quantity"], draft, livelihood) == ["quantity"]
    rice = Draft(category="rice")
    assert not needs_quantity_unit(rice, spec("rice"))  # one unit (kg): never asked


def test_the_same_rule_makes_a_saved_quantity_without_its_unit_incomplete() -> None:
    draft = Draft(category="livelihood", quantity="3", households=3)
    assert missing_required(draft, CATALOGUE)[0] == "quantity_unit"
    draft.quantity_unit = "head"
    assert "quantity_unit" not in missing_required(draft, CATALOGUE)


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("5 con", Decimal(5), "head"),
    ("2 tấn", Decimal(2000), "kg"),  # converted to kg by the number grammar, then matched
    ("12", Decimal(12), None),
])
def test_a_typed_quantity_takes_its_unit_from_the_catalogue_matcher(text: str, amount: Decimal,
                                                                    unit: str | None) -> None:
    draft = Draft(category="livelihood")
    assert read_quantity(CATALOGUE, spec("livelihood"), draft, text) == amount
    assert draft.quantity_decimal == amount and draft.quantity_unit == unit


def test_a_unit_word_the_quantity_does_not_count_is_refused() -> None:
    draft = Draft(category="livelihood")
    with pytest.raises(NumberError):
        read_quantity(CATALOGUE, spec("livelihood"), draft, "5 căn")
    assert draft.quantity is None
    rice = Draft(category="rice")
    assert read_quantity(CATALOGUE, spec("rice"), rice, "500 ký") == Decimal(500)  # a kg synonym
    with pytest.raises(NumberError):
        read_quantity(CATALOGUE, spec("rice"), rice, "5 con")


def test_a_pressed_value_must_be_one_the_steps_buttons_offer() -> None:
    livelihood = spec("livelihood")
    assert step_values(CATALOGUE, livelihood, "quantity_unit") == {"head", "kg", "bundle", "plant"}
    assert step_values(CATALOGUE, livelihood, "action_date") == {"today", "yesterday"}
    assert step_values(CATALOGUE, spec("housing"), "field:build_type") == {
        c.code for c in spec("housing").field("build_type").choices}  # type: ignore[union-attr]
    assert step_values(CATALOGUE, livelihood, "note") == set()  # typed, not tapped


def test_skip_is_refused_where_the_record_would_lose_its_last_figure_or_a_step_that_must_be_answered() -> None:
    rice = spec("rice")
    empty = Draft(category="rice")
    assert not skip_allowed(empty, rice, "quantity", [])  # the only figure left
    assert skip_allowed(empty, rice, "quantity", ["households"])  # another figure is still to be asked
    assert not skip_allowed(empty, rice, "organisation", []) and not skip_allowed(empty, rice, "action_date", [])
    assert not skip_allowed(empty, rice, "again:quantity", [])
    assert skip_allowed(empty, rice, "note", [])
    livelihood = spec("livelihood")
    assert skip_allowed(Draft(category="livelihood", households=3), livelihood, "quantity_unit", [])
    assert not skip_allowed(Draft(category="livelihood", quantity="3"), livelihood, "quantity_unit", ["households"])
