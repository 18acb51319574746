"""How drafts and records read to an official: the summary card, one-line history items, totals.

Names of categories, units and choices come from the catalogue (which has vi and en), labels from
gettext; numbers and money from the one formatter (`bot.domain.formatting`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from bot.domain.catalogue.file import CatalogueFile, CategorySpec, Measure
from bot.domain.formatting import format_day, format_money_prose, format_number
from bot.domain.households.erasure import ERASED_NAME
from bot.domain.records.draft import Draft, ordered_measures
from bot.domain.spans import Text, bold, line
from bot.domain.totals.aggregate import CategoryTotal
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit


@dataclass(frozen=True)
class Localised:
    """Picks the vi or en text of catalogue entries."""

    catalogue: CatalogueFile
    t: Translator
    level: str | None = None
    """Kind of the unit organisations are named for ("commune", "city"…): fills their `{level}`."""
    place: str | None = None
    """The unit itself ("xã Bình Gia") when one unit's bodies are meant: fills `{level}` instead of the kind."""

    def at(self, kind: str | None, place: str | None = None) -> Localised:
        """The same names, with organisations named for a unit of this kind (None: several levels), or for
        the unit `place` ("Ủy ban MTTQ xã Bình Gia": a card or a report names the body, not its level)."""
        return replace(self, level=kind, place=place if self.catalogue.level_word(kind, vi=True) else None)

    def at_unit(self, unit: Unit | None) -> Localised:
        """Organisations named as that unit's bodies: "Hội LHPN xã Bình Gia" (None: several levels)."""
        return self.at(unit.kind, unit_display(self.t, unit)) if unit is not None else self.at(None)

    @property
    def vi(self) -> bool:
        return self.t.locale == "vi"

    def category(self, spec: CategorySpec) -> str:
        return spec.name_vi if self.vi else spec.name_en

    def measure_label(self, measure: Measure) -> str:
        return measure.label_vi if self.vi else measure.label_en

    def unit(self, measure: Measure, unit_code: str | None) -> str:
        option = measure.unit(unit_code) if unit_code and measure.units else None
        if option is not None:
            return option.unit_vi if self.vi else option.unit_en
        return measure.unit_vi if self.vi else measure.unit_en

    def organisation(self, code: str | None) -> str:
        spec = next((o for o in self.catalogue.organisation if o.code == code), None)
        if spec is None:
            return "—"
        return spec.named(vi=self.vi, level=self.catalogue.level_word(self.level, vi=self.vi), place=self.place)

    def beneficiary(self, code: str | None) -> str:
        spec = next((b for b in self.catalogue.beneficiary_class if b.code == code), None)
        return (spec.name_vi if self.vi else spec.name_en) if spec else "—"

    def funding(self, code: str | None) -> str:
        spec = next((f for f in self.catalogue.funding_source if f.code == code), None)
        return (spec.name_vi if self.vi else spec.name_en) if spec else "—"

    def choice(self, spec: CategorySpec, field_code: str, value: str) -> str:
        extra = spec.field(field_code)
        choice = extra.choice(value) if extra else None
        if choice is None:
            return value
        return choice.vi if self.vi else choice.en

    def field_name(self, spec: CategorySpec, field_code: str) -> str:
        extra = spec.field(field_code)
        if extra is None:
            return field_code
        return extra.name_vi if self.vi else extra.name_en


def measure_text(names: Localised, measure: Measure, draft: Draft) -> str | None:
    """"5.410 kg", "45 hộ", "81,15 triệu đồng" — or None when not filled in."""
    value = draft.measure_value(measure.code)
    if value is None:
        return None
    locale = names.t.locale
    if measure.code == "value":
        return format_money_prose(int(value), locale)
    return f"{format_number(value, locale)} {names.unit(measure, draft.quantity_unit)}"


def read_as(names: Localised, spec: CategorySpec, draft: Draft, measure: Measure, shown: str) -> str:
    """A measure's card line, saying how the typed line gave it: "Trị giá: 20 suất × 500.000 đ = 10 triệu
    đồng", "5 hội viên → Số hộ vay: 5", "Số tiền cho vay: ≈ 36,5 tỷ đồng". The officer checks the reading,
    not only the result."""
    reading = draft.reading or {}
    label = names.measure_label(measure)
    if draft.approximate and measure.code in (reading.get("approx") or ()):
        shown = "≈ " + shown
    derived = (reading.get("per_unit") or {}).get(measure.code)
    if isinstance(derived, dict):
        shown = f"{per_unit_text(names, spec, draft, derived, measure.code)} = {shown}"
    counted = (reading.get("counted") or {}).get(measure.code)
    if counted:
        return f"{counted} → {label}: {shown}"
    return f"{label}: {shown}"


def per_unit_text(names: Localised, spec: CategorySpec, draft: Draft, derived: dict[str, str],
                  measure_code: str = "value") -> str:
    """"20 suất × 500.000 đ", "30 hộ × 15 kg": the count and the per-unit figure it was multiplied by."""
    locale = names.t.locale
    count_measure = spec.measure(derived.get("count_measure", ""))
    count = format_number(Decimal(derived.get("count", "0")), locale)
    if count_measure is not None:
        count += " " + names.unit(count_measure, draft.quantity_unit)
    each = Decimal(derived.get("each", "0"))
    measure = spec.measure(measure_code)
    if measure_code == "value" or measure is None:
        each_text = f"{format_number(each, locale)} {'đ' if names.vi else 'VND'}"
    else:  # "30 hộ × 15 kg", "10 hộ × 4 khẩu"
        each_text = f"{format_number(each, locale)} {names.unit(measure, derived.get('unit') or draft.quantity_unit)}"
    return f"{count} × {each_text}"


def figures_line(names: Localised, spec: CategorySpec, draft: Draft) -> str:
    """The figures of a record on one line: "5.410 kg, 45 hộ, 108 khẩu, 81,15 triệu đồng"; "≈ …" when they
    were written as an approximation ("hơn 3 tỷ"): nobody should copy them into a report as exact."""
    parts = [measure_text(names, m, draft) for m in ordered_measures(spec)]
    figures = ", ".join(p for p in parts if p)
    return f"≈ {figures}" if draft.approximate and figures else figures


def card_text(names: Localised, draft: Draft, *, organisation_default: str | None,
              warnings: Sequence[str] = ()) -> Text:
    """The summary card shown before saving (the renderer escapes what users typed). `warnings` are the
    lines of `plausibility.warning_lines`, shown at the end of the card while the figures can still be fixed."""
    t = names.t
    spec = names.catalogue.category_by_code(draft.category or "")
    if spec is None:
        return Text().add(t("No category chosen yet."))
    lines = [f"📋 {names.category(spec)}"]
    if draft.corrects_id:
        lines.append(t("Correction of record #{id}").format(id=draft.corrects_id))
    for measure in ordered_measures(spec):
        shown = measure_text(names, measure, draft)
        if shown:
            lines.append("• " + read_as(names, spec, draft, measure, shown))
    if draft.approximate:
        lines.append("≈ " + t("Approximate figures (written as “over”, “about”, “nearly”…): marked ≈ in the record"))
    for code, value in draft.fields.items():
        lines.append(f"• {names.field_name(spec, code)}: {names.choice(spec, code, value)}")
    lines.append("• " + _organisation_line(names, draft, organisation_default))
    lines.append("• " + t("Beneficiaries: {who}").format(who=names.beneficiary(draft.beneficiary_class)))
    if draft.funding_source:
        lines.append("• " + t("Funding: {source}").format(source=names.funding(draft.funding_source)))
    day = draft.day
    lines.append("• " + t("Date: {date}").format(date=format_day(day, t.locale) if day else t("today")))
    if draft.household_name or draft.household_erased:
        name = draft.household_name if draft.household_name else t(ERASED_NAME)
        household = name + (f", {draft.household_village}" if draft.household_village else "")
        lines.append("• " + t("Household: {household}").format(household=household))
    if draft.note:
        lines.append("• " + t("Note: {note}").format(note=draft.note))
    if draft.photo_file_id:
        lines.append("• " + t("Photo attached"))
    if draft.latitude is not None:
        lines.append("• " + t("Location attached"))
    if warnings:
        lines += ["", *warnings]
    return Text([line(bold(lines[0])), *(line(rest) for rest in lines[1:])])  # the heading is bold


def _organisation_line(names: Localised, draft: Draft, own: str | None) -> str:
    """Who the entry is credited to. The reporter's own organisation unless they picked another; then
    the card says so in words, because a figure credited to the wrong organisation leaves the report
    of the right one short (a loan an association arranged, lent by the bank, is the association's)."""
    t = names.t
    credited = draft.organisation or own
    if own is not None and credited != own:
        return t("Organisation: {organisation} (credited to it, not to your own organisation, {own})").format(
            organisation=names.organisation(credited), own=names.organisation(own))
    return t("Organisation: {organisation}").format(organisation=names.organisation(credited))


def partial_text(names: Localised, measure: Measure, total: CategoryTotal, figure: str) -> str:
    """"2/6 lượt có ghi số hộ: 410 hộ": a sum over only some of the records, said as such (an official
    signs these figures; "410 hộ" alone would read as the households of all six distributions)."""
    return names.t("{count}/{total} records give {measure}: {figure}").format(
        count=format_number(total.recorded(measure.code), names.t.locale),
        total=format_number(total.records, names.t.locale),
        measure=_lower_first(names.measure_label(measure)), figure=figure)


def _lower_first(label: str) -> str:
    """"Số thẻ BHYT" -> "số thẻ BHYT": a label inside a sentence keeps its abbreviations."""
    return label[:1].lower() + label[1:]


def total_figure(names: Localised, measure: Measure, total: CategoryTotal) -> str | None:
    """One measure of a total as text ("6.010 kg", "50 hộ", "90,15 triệu đồng"), or None when none was given.
    Quantities in several units are listed ("14 con, 250 kg"): they do not add up."""
    locale = names.t.locale
    if measure.code == "quantity":
        texts = [f"{format_number(amount, locale)} {names.unit(measure, code)}"
                 for code, amount in total.quantities.items() if amount]
        return ", ".join(texts) or None
    figure = {"households": total.households, "persons": total.persons, "value": total.value_dong}[measure.code]
    if not figure:
        return None
    return format_money_prose(figure, locale) if measure.code == "value" else \
        f"{format_number(figure, locale)} {names.unit(measure, None)}"


def totals_text(names: Localised, spec: CategorySpec, totals: CategoryTotal, *, unit_name: str, month: str) -> Text:
    """"Tháng 11/2026, xã Ia Rsai đã ghi nhận 2 lượt hỗ trợ gạo: 6.010 kg, 50 hộ, 90,15 triệu đồng."; a
    measure only some of the records gave comes after, said as such ("…; 1/2 lượt có ghi số khẩu: 4 khẩu")."""
    whole: list[str] = []
    partial: list[str] = []
    for measure in ordered_measures(spec):
        shown = total_figure(names, measure, totals)
        if shown is None:
            continue
        if totals.is_partial(measure.code):
            partial.append(partial_text(names, measure, totals, shown))
        else:
            whole.append(shown)
    figures = "; ".join(part for part in (", ".join(whole), *partial) if part)
    return Text().add(names.t.ngettext(
        "{month}, {unit}: {count} record of {category} so far — {figures}.",
        "{month}, {unit}: {count} records of {category} so far — {figures}.", totals.records,
    ).format(month=month, unit=unit_name, count=format_number(totals.records, names.t.locale),
             category=names.category(spec).lower(), figures=figures or "—"))


