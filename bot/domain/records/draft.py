"""The draft of a support action: what a form or a quick-entry line has gathered so far, and a stored
record read back into one.

A `Draft` lives in the user's `user_data` (persisted in the database, so it survives restarts), hence
plain JSON types only: quantities are kept as strings of a Decimal, dates as ISO strings.

Why a module of its own: saving (records/actions.py), the card's wording (records/action_text.py), the
questions about a record (records/questions.py) and the double-count checks all read drafts; kept below
them, it lets each import it without importing the others.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bot.domain.catalogue.file import CategorySpec, Measure
from bot.domain.parsing.quick_entry import ParsedEntry
from db import catalogue_ids
from db.models import BeneficiaryClass, Category, FundingSource, Organisation, SupportAction

MEASURE_ORDER = ("quantity", "households", "persons", "value")

# Upper bounds a single entry can plausibly reach; larger figures are almost always a typo.
LIMITS: dict[str, int | Decimal] = {"households": 100_000, "persons": 1_000_000, "quantity": Decimal(1_000_000_000),
          "value": 1_000_000_000_000}


class ValidationProblem(ValueError):
    """A figure breaks a rule; `reason` is machine-readable, `field` names the measure."""

    def __init__(self, field_code: str, reason: str) -> None:
        super().__init__(f"{field_code}: {reason}")
        self.field = field_code
        self.reason = reason


@dataclass
class Draft:
    """A support action being filled in (JSON-friendly; see module notes)."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    category: str | None = None
    households: int | None = None
    persons: int | None = None
    quantity: str | None = None
    quantity_unit: str | None = None
    value_dong: int | None = None
    organisation: str | None = None
    beneficiary_class: str | None = None
    funding_source: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    action_date: str | None = None
    household_name: str | None = None
    household_village: str | None = None
    household_id: int | None = None
    household_erased: bool = False
    note: str | None = None
    photo_file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    corrects_id: int | None = None
    approximate: bool = False
    """A figure was written as an approximation ("hơn 3 tỷ", "khoảng"): the record keeps the mark."""
    skipped: list[str] = field(default_factory=list)
    """Measures the officer skipped (the report did not give them): not asked again."""
    unit_id: int | None = None
    """The author's unit when the form was opened: a ✅ after a move is checked against it."""
    reading: dict[str, Any] = field(default_factory=dict)
    """How a typed line was read, for the card only: {"per_unit": {measure: {"each", "count",
    "count_measure", "unit"}}, "counted": {measure: "5 hội viên"}, "approx": [measures]}."""
    total_choice: dict[str, str] | None = None
    """A per-unit figure and a written total that disagree ({"measure", "derived", "written"}): the card
    asks which is right and cannot be saved before."""

    def to_dict(self) -> dict[str, Any]:
        """A copy as plain JSON types. By hand rather than `dataclasses.asdict`, which deep-copies field by
        field and cost more than drawing the card: every field is a scalar except `fields`, a flat
        dict of strings."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["fields"] = dict(self.fields)
        data["reading"] = dict(self.reading)
        data["total_choice"] = dict(self.total_choice) if self.total_choice else None
        data["skipped"] = list(self.skipped)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @classmethod
    def from_parsed(cls, parsed: ParsedEntry) -> Draft:
        """A draft from a one-line quick entry (what was understood; the rest is asked)."""
        return cls(category=parsed.category, households=parsed.households, persons=parsed.persons,
                   quantity=str(parsed.quantity) if parsed.quantity is not None else None,
                   quantity_unit=parsed.quantity_unit, value_dong=parsed.value_dong, organisation=parsed.organisation,
                   beneficiary_class=parsed.beneficiary_class, funding_source=parsed.funding_source,
                   fields=dict(parsed.fields),
                   action_date=parsed.action_date.isoformat() if parsed.action_date else None,
                   approximate=parsed.approximate, total_choice=parsed.total_choice,
                   reading={key: value for key, value in (("per_unit", parsed.per_unit), ("counted", parsed.counted),
                                                          ("approx", parsed.approximate_measures)) if value})

    @property
    def quantity_decimal(self) -> Decimal | None:
        return Decimal(self.quantity) if self.quantity is not None else None

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.action_date) if self.action_date else None

    def measure_value(self, code: str) -> int | Decimal | None:
        return {"households": self.households, "persons": self.persons, "quantity": self.quantity_decimal,
                "value": self.value_dong}[code]

    def set_measure(self, code: str, value: int | Decimal) -> None:
        """Set a measure as typed or chosen in the form; how the line had read it (and any per-unit figure
        counted on it) no longer describes it, so those card notes go."""
        check_measure(code, value)
        if self.reading:
            per_unit = {k: v for k, v in (self.reading.get("per_unit") or {}).items()
                        if k != code and v.get("count_measure") != code}
            self.reading = {**self.reading, "per_unit": per_unit,
                            "counted": {k: v for k, v in (self.reading.get("counted") or {}).items() if k != code},
                            "approx": [k for k in self.reading.get("approx") or () if k != code]}
        if code == "households":
            self.households = int(value)
        elif code == "persons":
            self.persons = int(value)
        elif code == "quantity":
            self.quantity = str(Decimal(value).normalize()) if Decimal(value) % 1 else str(int(value))
        elif code == "value":
            self.value_dong = int(value)


def check_measure(code: str, value: int | Decimal) -> None:
    """Positive and below the plausible maximum; counts are whole numbers."""
    if value <= 0:
        raise ValidationProblem(code, "zero" if value == 0 else "negative")
    if value > LIMITS[code]:
        raise ValidationProblem(code, "too_large")
    if code in ("households", "persons") and Decimal(value) % 1:
        raise ValidationProblem(code, "not_whole")


def ordered_measures(spec: CategorySpec) -> list[Measure]:
    """Measures in the order a form asks them: the main quantity first, money last."""
    return sorted(spec.measures, key=lambda m: MEASURE_ORDER.index(m.code))



def draft_from_action(action: SupportAction, session: Session) -> Draft:
    """A draft pre-filled from a stored record (for a correction or "same as last time")."""

    def code_of(model: Any, row_id: int | None) -> str | None:
        return catalogue_ids.code_of(session, model, row_id) if row_id else None

    return Draft(
        category=code_of(Category, action.category_id), households=action.households, persons=action.persons,
        quantity=str(action.quantity.normalize()) if action.quantity is not None else None,
        quantity_unit=action.quantity_unit, value_dong=action.value_dong,
        organisation=code_of(Organisation, action.organisation_id),
        beneficiary_class=code_of(BeneficiaryClass, action.beneficiary_class_id),
        funding_source=code_of(FundingSource, action.funding_source_id), fields=dict(action.details or {}),
        action_date=action.action_date.isoformat(), household_name=action.household_name,
        household_village=action.household_village, household_id=action.household_id,
        household_erased=action.household_erased, note=action.note,
        photo_file_id=action.photo_file_id,
        latitude=action.latitude, longitude=action.longitude, approximate=action.approximate,
    )

