"""Plausibility at entry: warn on the card, before ✅, when a figure is far outside what is usual.

A slip of one zero ("gạo 30 hộ 36000kg" for 3600 kg) is invisible in a single number: 36.000 kg is a
normal total for a whole commune. It shows in the ratios of the record's figures: 1.200 kg per household
where 10–60 is usual. So every category is judged by the ratios of its own measures
(`CategorySpec.ratios`: quantity per household or person, value per thing and per recipient, persons
per household): no ratio is written per category in code.

What is usual comes from history, with robust statistics: the 5th and 95th percentiles of the ratio
(in log space, since ratios are multiplicative) over the recent current records of the unit; when the
unit has fewer than `MIN_RECORDS` with that ratio, its parent, and so on up to the province; when even
the province has too few, the category's `[category.plausible]` defaults in catalogue.toml; with none
of those, the ratio is not judged. A warning needs the ratio to be more than `SLACK` times beyond the
usual range, which keeps ordinary entries quiet (a percentile estimated from 20 records moves) while a
10× slip, for ratios that vary less than 5× in ordinary work, always lands outside.

The history of a province and category is read with one query and kept for `CACHE_SECONDS`: the card
is shown after every answer of the form, and a new record barely moves a percentile. Statistics use
floats: they only decide whether to ask, nothing computed here is stored or added up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from bot.domain.catalogue.file import CategorySpec, Ratio
from bot.domain.formatting import format_number
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, default_unit
from db.models import ActionStatus, Category, SupportAction, Unit

MIN_RECORDS = 20
"""Records with a ratio a level needs before its own history is trusted (else the level above)."""
HISTORY_DAYS = 730
HISTORY_LIMIT = 3000
"""The newest records of a province and category that are read: plenty for two percentiles."""
LOW_QUANTILE, HIGH_QUANTILE = 0.05, 0.95
SLACK = 2.0
"""How far beyond the usual range (as a factor) a ratio must be before the card warns."""
CACHE_SECONDS = 600


@dataclass(frozen=True)
class Figures:
    """The measures of one record or draft, as plain values."""

    households: int | None = None
    persons: int | None = None
    quantity: Decimal | None = None
    quantity_unit: str | None = None
    value: int | None = None

    @classmethod
    def of_draft(cls, spec: CategorySpec, draft: Draft) -> Figures:
        quantity = spec.measure("quantity")
        unit = draft.quantity_unit or (default_unit(quantity) if quantity is not None else None)
        return cls(draft.households, draft.persons, draft.quantity_decimal, unit, draft.value_dong)

    def measure(self, code: str) -> int | Decimal | None:
        return {"households": self.households, "persons": self.persons, "quantity": self.quantity,
                "value": self.value}[code]


def ratio_value(ratio: Ratio, figures: Figures) -> float | None:
    """The ratio of these figures, or None when a figure is missing (or in another unit)."""
    if ratio.unit is not None and figures.quantity_unit != ratio.unit:
        return None
    numerator, denominator = figures.measure(ratio.numerator), figures.measure(ratio.denominator)
    if not numerator or not denominator or numerator <= 0 or denominator <= 0:
        return None
    return float(numerator) / float(denominator)


@dataclass(frozen=True)
class Band:
    """What is usual for a ratio (`usual_*`, shown in the warning) and where warnings start."""

    usual_low: float
    usual_high: float
    low: float
    high: float
    records: int
    """How many records it was learnt from; 0 for the catalogue's default."""

    def contains(self, value: float) -> bool:
        """Strictly inside: a bound itself is already unusual (a catalogue default of 5 triệu a gift
        means "up to just under 5 triệu", so a 5-triệu gift is questioned)."""
        return self.low < value < self.high


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default), on sorted values."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def band_of(samples: Sequence[float]) -> Band | None:
    """The usual range of a ratio learnt from history, or None with fewer than `MIN_RECORDS` samples."""
    if len(samples) < MIN_RECORDS:
        return None
    logs = sorted(math.log(sample) for sample in samples)
    low, high = math.exp(_quantile(logs, LOW_QUANTILE)), math.exp(_quantile(logs, HIGH_QUANTILE))
    return Band(low, high, low / SLACK, high * SLACK, len(samples))


def default_band(spec: CategorySpec, ratio: Ratio) -> Band | None:
    """The catalogue's [low, high] for a ratio: these are the warning limits themselves."""
    limits = spec.plausible.get(ratio.key)
    if limits is None:
        return None
    low, high = float(limits[0]), float(limits[1])
    return Band(low, high, low, high, 0)


@dataclass(frozen=True)
class Finding:
    """One ratio of a draft far outside its usual range."""

    ratio: Ratio
    value: float
    band: Band


History = Sequence[tuple[str, dict[str, float]]]
"""Per record: the path of its unit and its ratios by `Ratio.key`."""


def bands_for(spec: CategorySpec, history: History, unit_path: str) -> dict[str, Band]:
    """Per ratio, the band of the nearest level (the unit, then each parent up to the root) with
    enough history, else the catalogue's default. Ratios with neither are left out."""
    levels = [unit_path[:i + 1] for i, char in enumerate(unit_path) if char == "/" and i > 0][::-1]
    bands: dict[str, Band] = {}
    for ratio in spec.ratios():
        band = None
        for prefix in levels:
            band = band_of([ratios[ratio.key] for path, ratios in history
                            if ratio.key in ratios and path.startswith(prefix)])
            if band is not None:
                break
        band = band or default_band(spec, ratio)
        if band is not None:
            bands[ratio.key] = band
    return bands


def judge(spec: CategorySpec, figures: Figures, bands: dict[str, Band]) -> list[Finding]:
    """The ratios of `figures` outside their band, in the category's ratio order."""
    found: list[Finding] = []
    for ratio in spec.ratios():
        value = ratio_value(ratio, figures)
        band = bands.get(ratio.key)
        if value is not None and band is not None and not band.contains(value):
            found.append(Finding(ratio, value, band))
    return found


# ------------------------------------------------------------------ history from the database, cached

_history_cache: dict[tuple[str, str, str], tuple[datetime, list[tuple[str, dict[str, float]]]]] = {}
_band_cache: dict[tuple[str, str, str], tuple[datetime, dict[str, Band]]] = {}


def forget_history() -> None:
    """Drop every cached history (tests that rewrite history within the cache's lifetime)."""
    _history_cache.clear()
    _band_cache.clear()


def _fresh(entry_time: datetime, now: datetime) -> bool:
    return entry_time <= now < entry_time + timedelta(seconds=CACHE_SECONDS)


def _load_history(session: Session, spec: CategorySpec, root_path: str,
                  today: date) -> list[tuple[str, dict[str, float]]]:
    """One query: the newest current records of the category in the province, with their unit's path."""
    rows = session.execute(
        sa_select(col(Unit.path), col(SupportAction.households), col(SupportAction.persons),
               col(SupportAction.quantity), col(SupportAction.quantity_unit), col(SupportAction.value_dong))
        .join(Unit, col(Unit.id) == col(SupportAction.unit_id))
        .join(Category, col(Category.id) == col(SupportAction.category_id))
        .where(col(Category.code) == spec.code, col(SupportAction.status) == ActionStatus.CURRENT,
               col(Unit.path).startswith(root_path),
               col(SupportAction.action_date) >= today - timedelta(days=HISTORY_DAYS))
        .order_by(col(SupportAction.action_date).desc(), col(SupportAction.id).desc())
        .limit(HISTORY_LIMIT)).all()
    history: list[tuple[str, dict[str, float]]] = []
    ratios = spec.ratios()
    for path, households, persons, quantity, quantity_unit, value in rows:
        figures = Figures(households, persons, Decimal(quantity) if quantity is not None else None,
                          quantity_unit, value)
        values = {ratio.key: v for ratio in ratios if (v := ratio_value(ratio, figures)) is not None}
        if values:
            history.append((path, values))
    return history


def unit_bands(session: Session, *, spec: CategorySpec, unit_id: int, now: datetime) -> dict[str, Band]:
    """The bands that judge a record of this unit and category (cached per unit and category)."""
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.path:
        return {ratio.key: band for ratio in spec.ratios() if (band := default_band(spec, ratio)) is not None}
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    key = (database, unit.path, spec.code)
    cached = _band_cache.get(key)
    if cached is not None and _fresh(cached[0], now):
        return cached[1]
    root_path = "/" + unit.path.strip("/").split("/")[0] + "/"
    history_key = (database, root_path, spec.code)
    stored = _history_cache.get(history_key)
    if stored is None or not _fresh(stored[0], now):
        if len(_history_cache) > 500:
            forget_history()
        stored = (now, _load_history(session, spec, root_path, now.date()))
        _history_cache[history_key] = stored
    bands = bands_for(spec, stored[1], unit.path)
    if len(_band_cache) > 5000:
        _band_cache.clear()
    _band_cache[key] = (stored[0], bands)
    return bands


def check_draft(session: Session, *, spec: CategorySpec, unit_id: int, draft: Draft, now: datetime) -> list[Finding]:
    """The ratios of a draft far outside what its unit and province usually record."""
    figures = Figures.of_draft(spec, draft)
    if sum(1 for m in spec.measures if figures.measure(m.code)) < 2:
        return []  # a single figure has no ratio: nothing to read from the database
    return judge(spec, figures, unit_bands(session, spec=spec, unit_id=unit_id, now=now))


def unusual_count(session: Session, *, unit: Unit, start: date, end: date) -> int:
    """Current records of the unit and below, in the period, saved although their figures were unusual."""
    return int(session.exec(
        select(func.count()).select_from(SupportAction).join(Unit, col(Unit.id) == col(SupportAction.unit_id))
        .where(col(SupportAction.unusual_confirmed), col(SupportAction.status) == ActionStatus.CURRENT,
               col(Unit.path).startswith(unit.path), col(SupportAction.action_date) >= start,
               col(SupportAction.action_date) <= end)).one())


# ------------------------------------------------------------------ the words on the card

def _rounded(value: float) -> Decimal:
    """Two significant digits: "≈1.200", "≈0,35", "≈15" (a warning gives an order of size)."""
    if value <= 0:
        return Decimal(0)
    exponent = math.floor(math.log10(value)) - 1
    return Decimal(round(value / 10 ** exponent)).scaleb(exponent).normalize()


def _money_scale(names: Localised, largest: float) -> tuple[float, str]:
    """A common scale for the figures of one money warning: "1,5 nghìn đồng/kg, thường 8–40 nghìn đồng/kg"."""
    t = names.t
    for divisor, word in ((1e9, t("billion VND")), (1e6, t("million VND")), (1e3, t("thousand VND"))):
        if largest >= divisor:
            return divisor, word
    return 1.0, t("VND")


def finding_text(names: Localised, spec: CategorySpec, finding: Finding) -> str:
    """"≈1.200 kg/hộ, thường 10–60 kg/hộ" (the ratio the usual way round: a ratio usually below 1,
    like sessions per participant, is said inverted: "≈3 người tham gia/buổi")."""
    ratio, band, value = finding.ratio, finding.band, finding.value
    low, high = band.usual_low, band.usual_high
    numerator, denominator = spec.measure(ratio.numerator), spec.measure(ratio.denominator)
    assert numerator is not None and denominator is not None
    if ratio.numerator != "value" and high <= 1:
        numerator, denominator = denominator, numerator
        value, low, high = 1 / value, 1 / high, 1 / low
    per = names.unit(denominator, ratio.unit)
    if numerator.code == "value":
        divisor, what = _money_scale(names, max(value, high))
    else:
        divisor, what = 1.0, names.unit(numerator, ratio.unit)
    locale = names.t.locale

    def shown(figure: float) -> str:
        return format_number(_rounded(figure / divisor), locale)

    usual = shown(low) if shown(low) == shown(high) else f"{shown(low)}–{shown(high)}"
    return names.t("≈{value} {unit}/{per}, usually {usual} {unit}/{per}").format(
        value=shown(value), unit=what, per=per, usual=usual)


def warning_lines(names: Localised, spec: CategorySpec, findings: Sequence[Finding]) -> list[str]:
    """The lines the card adds when figures are unusual: why, and what the officer can do. Plain text
    (the caller escapes nothing: unit names come from the catalogue, numbers from the formatter)."""
    if not findings:
        return []
    t = names.t
    return ["⚠️ " + t("These figures are far from the usual, please check them:"),
            *("• " + finding_text(names, spec, finding) for finding in findings),
            t("If they are right, tap ✅ Save all the same: the record is marked for your supervisor to see. "
              "To fix them, tap ✏️ Edit.")]
