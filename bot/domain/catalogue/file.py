"""The catalogue file (`db/seed/catalogue.toml`) as typed, validated data.

The catalogue - categories of support with their measures and extra fields, the organisations that
give support, the classes of beneficiaries and the funding sources - is data so that a province can
add a category by editing one file, without a code change. Because that file is edited by hand,
every model here is strict: unknown keys are refused (`extra="forbid"`, so a misspelt `requried`
fails instead of being silently ignored), codes must be stable ASCII, and a keyword may point at one
entry only, otherwise "gao" could mean two things to the parser. All problems surface at start-up
as a pydantic `ValidationError` whose message names the offending entry.

This module only reads and checks the file; `bot.domain.catalogue.loader` writes it to the database.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

DEFAULT_CATALOGUE_PATH = Path(__file__).resolve().parents[3] / "db" / "seed" / "catalogue.toml"

MeasureCode = Literal["households", "persons", "quantity", "value"]
"""What a category records: hộ, people (khẩu, học sinh…), its physical measure, money in đồng."""

FieldKind = Literal["choice", "text", "month", "quarter"]
"""How an extra field is asked: pick one of `choices`, free text, a month, or a quarter."""


def normalise_keyword(word: str) -> str:
    """The form keywords are compared in: NFC (phones send both composed and decomposed
    Vietnamese), lowercase, single spaces. The parser should normalise user input the same way."""
    return " ".join(unicodedata.normalize("NFC", word).casefold().split())


def _normalise_keywords(words: tuple[str, ...]) -> tuple[str, ...]:
    """Normalise a keyword list and refuse empty or repeated entries (a repeat is always a typo)."""
    result: list[str] = []
    for word in words:
        norm = normalise_keyword(word)
        if not norm:
            raise ValueError("empty keyword")
        if norm in result:
            raise ValueError(f"keyword {norm!r} is listed twice")
        result.append(norm)
    return tuple(result)


Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Stable ASCII identifier: records in the database point at it, so it never changes."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Keywords = Annotated[tuple[str, ...], AfterValidator(_normalise_keywords)]
Symbol = Annotated[str, StringConstraints(pattern=r"^[A-ZĐ][A-ZĐ0-9]*$", max_length=16)]
"""An issuing body's abbreviation in document numbers (Decree 30/2020): capitals, "UBND", "HLHPN", "ĐTN"."""


def _first_duplicate(values: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def _check_unique_codes(where: str, codes: Iterable[str]) -> None:
    duplicate = _first_duplicate(codes)
    if duplicate is not None:
        raise ValueError(f"{where}: code {duplicate!r} is used twice")


def _check_unique_keywords(where: str, entries: Sequence[tuple[str, tuple[str, ...]]]) -> None:
    """Each keyword must lead to exactly one entry: (code, keywords) pairs, already normalised."""
    owner: dict[str, str] = {}
    for code, keywords in entries:
        for word in keywords:
            if word in owner and owner[word] != code:
                raise ValueError(
                    f"{where}: keyword {word!r} points at both {owner[word]!r} and {code!r}"
                )
            owner[word] = code


class _Strict(BaseModel):
    """Immutable and closed: the catalogue is read once and shared; unknown keys are typos."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Strict):
    """One allowed value of a choice field, e.g. housing build_type "new" (Xây mới)."""

    code: Code
    vi: Name
    en: Name
    keywords: Keywords = ()


class UnitOption(_Strict):
    """One of several units a quantity may be given in (livelihood: con, kg, bó, cây)."""

    code: Code
    unit_vi: ShortName
    unit_en: ShortName
    keywords: Keywords = ()


class Measure(_Strict):
    """A number a category records; `label_*` is how the form asks for it, `unit_*` how it reads.

    Only "quantity" may offer several `units`; then `unit_vi` names the default one. A single-unit
    quantity may list `unit_keywords` so "45.390 kg" or "12 căn" is recognised when typed.
    """

    code: MeasureCode
    label_vi: Name
    label_en: Name
    unit_vi: ShortName
    unit_en: ShortName
    required: bool = False
    units: tuple[UnitOption, ...] = ()
    unit_keywords: Keywords = ()

    @model_validator(mode="after")
    def _units_consistent(self) -> Self:
        if not self.units:
            return self
        if self.code != "quantity":
            raise ValueError(f"measure {self.code!r}: only 'quantity' may have several units")
        if self.unit_keywords:
            raise ValueError(
                f"measure {self.code!r}: with several units put keywords on each unit, not unit_keywords"
            )
        _check_unique_codes(f"measure {self.code!r} units", (u.code for u in self.units))
        _check_unique_keywords(
            f"measure {self.code!r} units", [(u.code, u.keywords) for u in self.units]
        )
        if self.unit_vi not in {u.unit_vi for u in self.units}:
            raise ValueError(
                f"measure {self.code!r}: default unit_vi {self.unit_vi!r} is not one of its units"
            )
        return self

    def unit(self, code: str) -> UnitOption | None:
        """The unit option with this code, if the measure has several units."""
        return next((u for u in self.units if u.code == code), None)


class ExtraField(_Strict):
    """A category-specific question beyond the measures (occasion, lender, quarter…).

    `kind` may be left out when `choices` are given: it is then "choice".
    """

    code: Code
    name_vi: Name
    name_en: Name
    required: bool = False
    kind: FieldKind
    choices: tuple[Choice, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _infer_choice_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "kind" not in data and data.get("choices"):
            return {**data, "kind": "choice"}
        return data

    @model_validator(mode="after")
    def _choices_match_kind(self) -> Self:
        if self.kind == "choice":
            if not self.choices:
                raise ValueError(f"field {self.code!r}: kind 'choice' needs at least one choice")
            _check_unique_codes(f"field {self.code!r} choices", (c.code for c in self.choices))
            _check_unique_keywords(
                f"field {self.code!r} choices", [(c.code, c.keywords) for c in self.choices]
            )
        elif self.choices:
            raise ValueError(f"field {self.code!r}: choices given but kind is {self.kind!r}")
        return self

    def choice(self, code: str) -> Choice | None:
        """The choice with this code, or None."""
        return next((c for c in self.choices if c.code == code), None)


_RATIO_WORD = {"households": "household", "persons": "person", "value": "value", "quantity": "quantity"}


@dataclass(frozen=True)
class Ratio:
    """Two measures of one record whose quotient has a usual size: kg of rice per household, value per
    gift, amount lent per household. Derived from the category's measures (`CategorySpec.ratios`), so a
    new category gets its plausibility checks without code. `unit` is the quantity's unit code when the
    quantity has several units (14 con and 250 kg are different ratios); None otherwise."""

    numerator: str
    denominator: str
    unit: str | None = None

    @property
    def key(self) -> str:
        """Its name in `[category.plausible]`: "quantity_per_household", "value_per_quantity",
        "value_per_head" (a quantity with several units is named by the unit's code)."""
        def word(code: str) -> str:
            return self.unit if code == "quantity" and self.unit else _RATIO_WORD[code]
        return f"{word(self.numerator)}_per_{word(self.denominator)}"


PlausibleRange = tuple[Annotated[Decimal, Field(gt=0)], Annotated[Decimal, Field(gt=0)]]


class CategorySpec(_Strict):
    """A kind of support (gift packages, rice, housing…) with what it records and how it reads.

    `verb_*` starts the report sentence ("Cấp thẻ BHYT cho…"); `subtype_field` names the choice
    field whose values totals are broken down by ("trong đó xây mới 11 nhà, sửa chữa 10 nhà").
    """

    code: Code
    name_vi: Name
    name_en: Name
    sort: int = 0
    keywords: Keywords
    verb_vi: Name
    verb_en: Name
    measures: tuple[Measure, ...] = Field(min_length=1)
    fields: tuple[ExtraField, ...] = ()
    subtype_field: Code | None = None
    plausible: dict[str, PlausibleRange] = Field(default_factory=dict)
    """Usual [low, high] of a ratio (see `Ratio.key`) where a unit and its province have no history yet."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        where = f"category {self.code!r}"
        _check_unique_codes(f"{where} measures", (m.code for m in self.measures))
        _check_unique_codes(f"{where} fields", (f.code for f in self.fields))
        if not any(m.required for m in self.measures):
            raise ValueError(f"{where}: at least one measure must be required")
        if self.subtype_field is not None:
            target = self.field(self.subtype_field)
            if target is None:
                raise ValueError(f"{where}: subtype_field {self.subtype_field!r} is not one of its fields")
            if target.kind != "choice":
                raise ValueError(f"{where}: subtype_field {self.subtype_field!r} must be a choice field")
        known = {ratio.key for ratio in self.ratios()}
        for key, (low, high) in self.plausible.items():
            if key not in known:
                raise ValueError(f"{where}: plausible {key!r} is not one of its ratios ({', '.join(sorted(known))})")
            if low >= high:
                raise ValueError(f"{where}: plausible {key!r} needs low < high")
        return self

    def ratios(self) -> tuple[Ratio, ...]:
        """The ratios of its measures that have a usual size: what was given per recipient (quantity per
        household or person), value per thing and per recipient, persons per household."""
        codes = {m.code for m in self.measures}
        quantity = self.measure("quantity")
        units: list[str | None] = [u.code for u in quantity.units] if quantity is not None and quantity.units \
            else [None]
        pairs = [("quantity", "households"), ("quantity", "persons"), ("value", "quantity"),
                 ("value", "households"), ("value", "persons"), ("persons", "households")]
        found: list[Ratio] = []
        for numerator, denominator in pairs:
            if numerator in codes and denominator in codes:
                involved = "quantity" in (numerator, denominator)
                found += [Ratio(numerator, denominator, unit) for unit in (units if involved else [None])]
        return tuple(found)

    def measure(self, code: str) -> Measure | None:
        """The measure with this code, or None if the category does not record it."""
        return next((m for m in self.measures if m.code == code), None)

    def field(self, code: str) -> ExtraField | None:
        """The extra field with this code, or None."""
        return next((f for f in self.fields if f.code == code), None)


LEVEL = "{level}"
"""Placeholder in an organisation's name for the level of the unit it works at: "UBND {level}" reads
"UBND xã", "UBND phường", "UBND thành phố"… from the unit's kind (the `[[level]]` entries)."""


class OrganisationSpec(_Strict):
    """An organisation that gives support; `short_*` is what digests and buttons show.

    A name may hold `{level}` (no other braces): the organisation's level follows the unit it is named
    for, so a city's People's Committee is never called "UBND xã". See `named`.
    """

    code: Code
    name_vi: Name
    short_vi: ShortName
    name_en: Name
    short_en: ShortName
    sort: int = 0
    keywords: Keywords
    symbol: Symbol | None = None
    """The issuing body's abbreviation in a document's number ("Số: …/BC-MTTQ"); None: left for the office."""
    heading_vi: Name | None = None
    heading_en: Name | None = None
    """A body whose document heading is its own name over the place ("ỦY BAN NHÂN DÂN" / "XÃ BÌNH GIA"). Without
    it the heading is the same organisation one level up over this one ("HỘI LHPN TỈNH …" / "HỘI LHPN XÃ …")."""

    named_with_unit: bool = True
    """False for a body that is not one unit's (the bank's office, donors): never "NHCSXH xã Bình Gia"."""

    @model_validator(mode="after")
    def _only_the_level_placeholder(self) -> Self:
        for name in (self.name_vi, self.short_vi, self.name_en, self.short_en):
            if "{" in name.replace(LEVEL, "") or "}" in name.replace(LEVEL, ""):
                raise ValueError(f"organisation {self.code!r}: {name!r} may hold only the placeholder {LEVEL}")
        return self

    def named(self, *, vi: bool, short: bool = True, level: str | None = None, place: str | None = None) -> str:
        """The name with `{level}` filled ("UBND xã"), or without it when the level is not one unit's
        ("UBND": a district's totals hold the People's Committees of its communes and its own).

        `place` ("xã Bình Gia") names one unit's body: it fills `{level}` ("UBND xã Bình Gia"); a name without
        `{level}` takes it after ("Hội LHPN xã Bình Gia"; in English before: "Bình Gia commune Women's Union"),
        unless the body is not one unit's (`named_with_unit`)."""
        name = (self.short_vi if short else self.name_vi) if vi else (self.short_en if short else self.name_en)
        if place and LEVEL not in name and self.named_with_unit:
            name = f"{name} {place}" if vi else f"{place} {name}"
        return " ".join(name.replace(LEVEL, place or level or "").split())


class LevelSpec(_Strict):
    """The word an organisation's name uses for a unit kind: kind "ward" → "phường" / "Ward"."""

    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    vi: ShortName
    en: ShortName


class ClassSpec(_Strict):
    """A plain coded list entry: a beneficiary class or a funding source (same shape)."""

    code: Code
    name_vi: Name
    name_en: Name
    sort: int = 0
    keywords: Keywords


class CatalogueFile(_Strict):
    """The whole file: one tuple per TOML section, in file order."""

    category: tuple[CategorySpec, ...] = Field(min_length=1)
    organisation: tuple[OrganisationSpec, ...] = Field(min_length=1)
    beneficiary_class: tuple[ClassSpec, ...] = Field(min_length=1)
    funding_source: tuple[ClassSpec, ...] = Field(min_length=1)
    level: tuple[LevelSpec, ...] = ()

    @model_validator(mode="after")
    def _unique_per_section(self) -> Self:
        sections: dict[str, Sequence[CategorySpec | OrganisationSpec | ClassSpec]] = {
            "category": self.category,
            "organisation": self.organisation,
            "beneficiary_class": self.beneficiary_class,
            "funding_source": self.funding_source,
        }
        for name, entries in sections.items():
            _check_unique_codes(f"[[{name}]]", (e.code for e in entries))
            _check_unique_keywords(f"[[{name}]]", [(e.code, e.keywords) for e in entries])
        return self

    def level_word(self, kind: str | None, *, vi: bool) -> str | None:
        """The `{level}` word for a unit kind ("xã", "thành phố"), or None for a kind without one."""
        spec = next((level for level in self.level if level.kind == kind), None)
        return None if spec is None else spec.vi if vi else spec.en

    def category_by_code(self, code: str) -> CategorySpec | None:
        """The category with this code, or None."""
        return next((c for c in self.category if c.code == code), None)


def load_catalogue_file(path: Path | None = None) -> CatalogueFile:
    """Read and validate the catalogue (default: the repo's `db/seed/catalogue.toml`).

    Raises `tomllib.TOMLDecodeError` for broken TOML syntax and `pydantic.ValidationError` for
    content that does not fit the rules above; both name the problem.
    """
    source = path or DEFAULT_CATALOGUE_PATH
    with source.open("rb") as handle:
        data = tomllib.load(handle)
    return CatalogueFile.model_validate(data)


T = TypeVar("T")


def built_once_per_catalogue(build: Callable[[CatalogueFile], T]) -> Callable[[CatalogueFile], T]:
    """`build(catalogue)` computed once per catalogue (a catalogue is never changed once loaded).

    Keyed by identity, holding the catalogue itself so its id stays unique; a few catalogues at most
    (the tests load their own), so the table is simply emptied when it grows."""
    built: dict[int, tuple[CatalogueFile, T]] = {}

    def cached(catalogue: CatalogueFile) -> T:
        hit = built.get(id(catalogue))
        if hit is not None and hit[0] is catalogue:
            return hit[1]
        if len(built) >= 8:
            built.clear()
        value = build(catalogue)
        built[id(catalogue)] = (catalogue, value)
        return value

    return cached
