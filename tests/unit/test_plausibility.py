"""Plausibility at entry: a generated realistic data set measures the false-warning rate on ordinary
entries and the share of 10× and 0.1× slips caught; levels of history, defaults, the database path and
the words of the warning."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from bot.domain.catalogue.file import CatalogueFile, load_catalogue_file
from bot.domain.records import plausibility
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft
from bot.domain.records.plausibility import Band, Figures, bands_for, check_draft, judge, ratio_value, unusual_count
from bot.i18n import get_translator
from db.models import Category, Organisation, Role, SupportAction, User
from db.queries import get_unit_by_code
from tests.support.realistic_entries import GENERATORS

CATALOGUE = load_catalogue_file()
SEED = 20261130
COMMUNES = [f"/1/2/{number}/" for number in range(3, 13)]
HISTORY_PER_COMMUNE = 40
ORDINARY_PER_CATEGORY = 2000


def _history(code: str, rng: random.Random, per_unit: int = HISTORY_PER_COMMUNE) -> list[tuple[str, dict[str, float]]]:
    spec = CATALOGUE.category_by_code(code)
    assert spec is not None
    history = []
    for path in COMMUNES:
        for _ in range(per_unit):
            figures = GENERATORS[code](rng)
            history.append((path, {r.key: v for r in spec.ratios() if (v := ratio_value(r, figures)) is not None}))
    return history


def _slipped(figures: Figures, code: str, factor: Decimal) -> Figures | None:
    """The figures with one figure typed `factor` times too large or small, or None when that slip
    cannot be typed (a count below 1, or nothing changes)."""
    value = figures.measure(code)
    if value is None:
        return None
    changed = Decimal(value) * factor
    typed = round(changed)
    if typed < 1 or typed == value:
        return None
    return dataclasses.replace(figures, **{code: Decimal(typed) if code == "quantity" else typed})


@dataclasses.dataclass
class Tally:
    ordinary: int = 0
    warned: int = 0
    slips10: int = 0
    caught10: int = 0
    slips01: int = 0
    caught01: int = 0
    missed10: list[str] = dataclasses.field(default_factory=list)


def _measure(bands_of: dict[str, dict[str, Band]], rng: random.Random) -> dict[str, Tally]:
    """Ordinary entries of every category, then each of their figures slipped 10× and 0.1×. A slip
    counts only when the slipped figure forms a ratio with another figure of the entry (a lone figure
    has nothing to be judged against), and 0.1× only for figures of 10 or more (below, a count would
    round to a different slip)."""
    tallies: dict[str, Tally] = {}
    for code, generate in GENERATORS.items():
        spec = CATALOGUE.category_by_code(code)
        assert spec is not None
        tally = tallies[code] = Tally()
        bands = bands_of[code]
        for _ in range(ORDINARY_PER_CATEGORY):
            figures = generate(rng)
            tally.ordinary += 1
            tally.warned += bool(judge(spec, figures, bands))
            for measure in spec.measures:
                if not any(measure.code in (r.numerator, r.denominator) and ratio_value(r, figures) is not None
                           for r in spec.ratios()):
                    continue
                ten = _slipped(figures, measure.code, Decimal(10))
                if ten is not None:
                    tally.slips10 += 1
                    if judge(spec, ten, bands):
                        tally.caught10 += 1
                    else:
                        tally.missed10.append(f"{measure.code} ×10 of {figures}")
                tenth = _slipped(figures, measure.code, Decimal("0.1"))
                if tenth is not None and (figures.measure(measure.code) or 0) >= 10:
                    tally.slips01 += 1
                    tally.caught01 += bool(judge(spec, tenth, bands))
    return tallies


def _report(title: str, tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    print(f"\n{title}")
    for code, tally in tallies.items():
        print(f"  {code:12} warned {tally.warned:5}/{tally.ordinary} ordinary; 10× caught "
              f"{tally.caught10}/{tally.slips10}; 0.1× caught {tally.caught01}/{tally.slips01}")
        for name in ("ordinary", "warned", "slips10", "caught10", "slips01", "caught01"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
    print(f"  TOTAL false-warning rate {total.warned}/{total.ordinary} = {total.warned / total.ordinary:.2%}; "
          f"10× slips caught {total.caught10}/{total.slips10}; 0.1× slips caught {total.caught01}/{total.slips01}")
    return total


MIXED_KINDS = {"rice", "health_care"}
"""Categories whose ordinary entries mix kinds ten times apart (Tết rice of 2-5 kg a person beside relief of
10-30; a visit to the sick beside hospital fees): a 10× slip of the smaller kind looks like the larger one."""


def test_with_history_ordinary_entries_rarely_warn_and_10x_slips_are_caught() -> None:
    """The measured rate in docs/officials.md and BENCHMARKS.md: a province of 10 communes with 40 records each
    per category."""
    rng = random.Random(SEED)
    bands_of = {}
    for code in GENERATORS:
        spec = CATALOGUE.category_by_code(code)
        assert spec is not None
        history = _history(code, rng)
        bands_of[code] = bands_for(spec, history, COMMUNES[0])
        learnt = {key for _path, ratios in history for key in ratios}
        assert all(bands_of[code][key].records >= plausibility.MIN_RECORDS for key in learnt)
    tallies = _measure(bands_of, rng)
    total = _report("With history", tallies)
    assert total.warned / total.ordinary < 0.01
    assert total.slips10 > 40_000 and total.caught10 / total.slips10 > 0.97
    assert total.caught01 / total.slips01 > 0.95
    for code, tally in tallies.items():
        if code not in MIXED_KINDS:
            assert tally.caught10 / tally.slips10 > 0.995, (code, tally.missed10[:5])


def test_without_history_the_catalogue_defaults_stay_quiet_on_ordinary_entries() -> None:
    """A new province: only the catalogue's defaults. They are wide (they must fit every province), so
    they catch fewer slips; they must still never warn on ordinary entries."""
    rng = random.Random(SEED + 1)
    bands_of = {}
    for code in GENERATORS:
        spec = CATALOGUE.category_by_code(code)
        assert spec is not None
        bands_of[code] = bands_for(spec, [], COMMUNES[0])
        assert bands_of[code], f"{code} has no default in catalogue.toml"
    total = _report("Catalogue defaults only", _measure(bands_of, rng))
    assert total.warned / total.ordinary < 0.01
    assert total.caught10 / total.slips10 > 0.5


def test_a_unit_with_little_history_is_judged_by_its_parent_then_the_defaults() -> None:
    spec = CATALOGUE.category_by_code("rice")
    assert spec is not None
    key = "quantity_per_household"

    def rows(path: str, per_household: float, count: int) -> list[tuple[str, dict[str, float]]]:
        return [(path, {key: per_household * (1 + i / 100)}) for i in range(count)]

    own = rows("/1/2/3/", 40, plausibility.MIN_RECORDS)
    sibling = rows("/1/2/4/", 100, plausibility.MIN_RECORDS)
    assert bands_for(spec, own + sibling, "/1/2/3/")[key].usual_high < 50  # its own history
    few = rows("/1/2/3/", 40, plausibility.MIN_RECORDS - 1)
    parent = bands_for(spec, few + sibling, "/1/2/3/")[key]
    assert parent.records == plausibility.MIN_RECORDS * 2 - 1 and parent.usual_high > 100  # the district's
    default = bands_for(spec, few, "/1/2/3/")[key]
    assert (default.records, default.low, default.high) == (0, 3.0, 400.0)  # catalogue.toml


def test_the_example_slip_warns_with_the_reason() -> None:
    spec = CATALOGUE.category_by_code("rice")
    assert spec is not None
    names = Localised(CATALOGUE, get_translator("vi"))
    bands = bands_for(spec, [], "/1/2/3/")
    found = judge(spec, Figures(households=30, quantity=Decimal(36000), value=54_000_000), bands)
    texts = [plausibility.finding_text(names, spec, f) for f in found]
    assert texts == ["≈1.200 kg/hộ, thường 3–400 kg/hộ", "≈1,5 nghìn đồng/kg, thường 8–40 nghìn đồng/kg"]
    assert judge(spec, Figures(households=30, quantity=Decimal(3600), value=54_000_000), bands) == []
    english = Localised(CATALOGUE, get_translator("en"))
    assert plausibility.finding_text(english, spec, found[0]) == "≈1,200 kg/households, usually 3–400 kg/households"


def test_the_defaults_fit_real_figures_and_their_bounds_are_exclusive() -> None:
    """A new province (no history): ordinary report figures pass, a slipped zero warns, a bound warns."""
    def warned(code: str, **figures: object) -> list[str]:
        spec = CATALOGUE.category_by_code(code)
        assert spec is not None
        return [f.ratio.key for f in judge(spec, Figures(**figures), bands_for(spec, [], "/1/2/3/"))]  # type: ignore[arg-type]

    # gạo tết 30 hộ 120 khẩu 300kg 4,5tr: 2,5 kg a person, 10 kg a household, 15.000 đ/kg
    assert warned("rice", households=30, persons=120, quantity=Decimal(300), value=4_500_000) == []
    assert warned("rice", households=30, quantity=Decimal(300)) == []  # 10 kg a household: Tết rice
    assert warned("rice", households=45, persons=108, quantity=Decimal(5410), value=81_150_000) == []
    # quà tết 50 suất 50 hộ 250tr: 5 triệu a gift, ten times the usual
    assert warned("gift", households=50, quantity=Decimal(50), value=250_000_000) == ["value_per_quantity"]
    assert warned("gift", households=50, quantity=Decimal(50), value=25_000_000) == []
    assert warned("gift", quantity=Decimal(2), value=6_000_000) == ["value_per_quantity"]  # on the bound
    assert warned("gift", quantity=Decimal(2), value=5_980_000) == []
    assert warned("housing", quantity=Decimal(2), value=120_000_000) == []  # 60 triệu a new house
    assert warned("housing", quantity=Decimal(2), value=1_200_000_000) == ["value_per_quantity"]
    assert warned("loan", households=5, value=190_000_000) == []  # 38 triệu a household
    assert warned("loan", households=5, value=1_900_000_000) == ["value_per_household"]
    assert warned("health_care", persons=12, value=6_000_000) == []  # 500.000 đ a visit to the sick


def test_a_ratio_usually_below_one_is_said_the_other_way_round() -> None:
    spec = CATALOGUE.category_by_code("training")
    assert spec is not None
    found = judge(spec, Figures(quantity=Decimal(30), persons=20), bands_for(spec, [], "/1/"))
    names = Localised(CATALOGUE, get_translator("vi"))
    assert [plausibility.finding_text(names, spec, f) for f in found] == [
        "≈0,67 người tham gia/buổi, thường 1–200 người tham gia/buổi"]


def test_the_catalogue_refuses_unknown_ratios_and_empty_ranges() -> None:
    data = CATALOGUE.model_dump()
    rice = next(c for c in data["category"] if c["code"] == "rice")
    rice["plausible"] = {"kg_per_house": [1, 2]}
    with pytest.raises(ValidationError, match="not one of its ratios"):
        CatalogueFile.model_validate(data)
    rice["plausible"] = {"quantity_per_household": [50, 5]}
    with pytest.raises(ValidationError, match="low < high"):
        CatalogueFile.model_validate(data)
    rice["plausible"] = {"quantity_per_household": [0, 5]}
    with pytest.raises(ValidationError):
        CatalogueFile.model_validate(data)


def _record(session: Session, unit_id: int, author: User, day: date, *, unusual: bool = False,
            **figures: object) -> SupportAction:
    category = session.exec(select(Category).where(Category.code == "rice")).one()
    organisation = session.exec(select(Organisation).where(Organisation.code == "commune_pc")).one()
    assert category is not None and organisation is not None
    action = SupportAction(unit_id=unit_id, organisation_id=organisation.id, category_id=category.id,
                           action_date=day, author_id=author.id or 0, unusual_confirmed=unusual, **figures)
    session.add(action)
    return action


def test_the_database_history_judges_a_draft_and_unusual_records_are_counted(session: Session) -> None:
    """Through the database: history of the commune read in one query (cached), the marked records
    counted for the digest."""
    plausibility.forget_history()
    commune = get_unit_by_code(session, code="GL-KP-IARSAI")
    district = get_unit_by_code(session, code="GL-KP")
    assert commune is not None and district is not None and commune.id is not None
    author = User(telegram_id=777, display_name="x", role=Role.REPORTER, unit_id=commune.id)
    session.add(author)
    session.commit()
    today = date(2026, 11, 20)
    for i in range(plausibility.MIN_RECORDS):  # this commune gives 8–10 kg per household
        _record(session, commune.id, author, today - timedelta(days=i), households=10, quantity=Decimal(80 + i))
    _record(session, commune.id, author, today, households=10, quantity=Decimal(5000), unusual=True)
    _record(session, commune.id, author, today - timedelta(days=900), households=10, quantity=Decimal(4000),
            unusual=True)  # outside the period and too old to count as history
    session.commit()
    spec = CATALOGUE.category_by_code("rice")
    assert spec is not None
    now = datetime(2026, 11, 21, 3, tzinfo=UTC)
    warned = check_draft(session, spec=spec, unit_id=commune.id, draft=Draft(category="rice", households=10,
                                                                              quantity="250"), now=now)
    assert [f.ratio.key for f in warned] == ["quantity_per_household"]  # 25 kg/hộ: fine by the defaults
    assert warned[0].band.records == plausibility.MIN_RECORDS + 1
    ordinary = Draft(category="rice", households=10, quantity="90")
    assert check_draft(session, spec=spec, unit_id=commune.id, draft=ordinary, now=now) == []
    assert check_draft(session, spec=spec, unit_id=commune.id, draft=Draft(category="rice", quantity="9"),
                       now=now) == []  # one figure: no ratio
    assert unusual_count(session, unit=district, start=date(2026, 11, 1), end=date(2026, 11, 30)) == 1
    assert unusual_count(session, unit=commune, start=date(2026, 10, 1), end=date(2026, 10, 31)) == 0
    plausibility.forget_history()
