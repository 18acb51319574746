"""Totals written the way an official report writes them, one sentence a category.

"Hỗ trợ gạo cho 45 hộ, 108 khẩu với 5.410 kg, trị giá 81,15 triệu đồng." /
"Tặng 571 suất quà (356 hộ) trị giá 192,75 triệu đồng." /
"Hỗ trợ nhà ở cho 21 hộ, trong đó xây mới 11 căn, sửa chữa 10 căn."

The wording is driven by the catalogue, so a category a province adds gets a sentence too:
- the sentence starts with the category's `verb_*`;
- when the category's name is its verb plus an object ("Tặng quà" = "Tặng" + "quà"), the quantity is
  the object: "Tặng 571 suất quà (356 hộ) …"; otherwise the households/persons are the recipients:
  "Hỗ trợ gạo cho 45 hộ, 108 khẩu với 5.410 kg …";
- money reads with the value measure's own label ("trị giá", "kinh phí", "số tiền cho vay");
- only `subtype_field` adds a breakdown ("trong đó xây mới 11 căn, sửa chữa 10 căn").

Every figure comes from `compute_totals` (the one aggregation) and every number from `bot.domain.formatting`.
Household names never appear here: totals are sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile, CategorySpec
from bot.domain.formatting import format_money_prose, format_number
from bot.domain.people.access import AccessDenied
from bot.domain.periods.calendar import Period
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised, partial_text, total_figure
from bot.domain.spans import Text, bold, italic, underline
from bot.domain.totals.aggregate import CategoryTotal, compute_totals, compute_totals_of_areas
from bot.i18n import Translator
from db.models import Unit, User
from db.queries import get_unit, list_child_units, list_organisations, list_subtree_units

Totals = dict[str, CategoryTotal]
COUNTED = ("records", "households", "persons", "value_dong", "households_records", "persons_records",
           "quantity_records", "value_records")
"""The plain sums of a CategoryTotal (quantities and subtypes are dictionaries, handled apart)."""


def _lower_first(text: str) -> str:
    """"Xây mới" -> "xây mới" inside a sentence, but "Tết Nguyên đán" keeps its capitals (a name)."""
    words = text.split()
    if len(words) > 1 and any(w[:1].isupper() for w in words[1:]):
        return text
    return text[:1].lower() + text[1:]


def object_noun(spec: CategorySpec) -> str | None:
    """"quà" for "Tặng quà" (verb "Tặng"): the category's name is its verb plus this object."""
    verb, name = spec.verb_vi.casefold(), spec.name_vi.casefold()
    if name.startswith(verb + " ") and len(name) > len(verb) + 1:
        return spec.name_vi[len(spec.verb_vi) + 1:]
    return None


def _quantity_texts(names: Localised, spec: CategorySpec, total: CategoryTotal) -> list[str]:
    measure = spec.measure("quantity")
    if measure is None or total.is_partial("quantity"):
        return []
    order = [u.code for u in measure.units]
    return [f"{format_number(total.quantities[code], names.t.locale)} {names.unit(measure, code)}"
            for code in sorted(total.quantities, key=lambda c: (order.index(c) if c in order else len(order), c))
            if total.quantities[code]]


def _breakdown(names: Localised, spec: CategorySpec, total: CategoryTotal) -> str | None:
    """"xây mới 11 căn, sửa chữa 10 căn" from the subtype field, when it tells something."""
    if spec.subtype_field is None or total.is_partial("quantity"):
        return None
    extra = spec.field(spec.subtype_field)
    measure = spec.measure("quantity")
    parts = {code: amount for code, amount in total.subtypes.items() if amount}
    if extra is None or measure is None or not parts or (len(parts) < 2 and not extra.required):
        return None
    unit = names.unit(measure, total.quantity_unit)
    order = [c.code for c in extra.choices]
    texts = [f"{_lower_first(names.choice(spec, spec.subtype_field, code))} "
             f"{format_number(parts[code], names.t.locale)} {unit}"
             for code in sorted(parts, key=lambda c: order.index(c) if c in order else len(order))]
    return ", ".join(texts)


def _value_text(names: Localised, spec: CategorySpec, total: CategoryTotal) -> str | None:
    measure = spec.measure("value")
    if measure is None or not total.value_dong or total.is_partial("value"):
        return None
    return f"{_lower_first(names.measure_label(measure))} {format_money_prose(total.value_dong, names.t.locale)}"


def category_sentence(names: Localised, spec: CategorySpec, total: CategoryTotal) -> str:
    """One report sentence for one category's totals (see the module notes for the shapes)."""
    t = names.t
    locale = t.locale
    recipients = [f"{format_number(getattr(total, code), locale)} {names.unit(measure, None)}"
                  for code in ("households", "persons")
                  if (measure := spec.measure(code)) is not None and getattr(total, code)
                  and not total.is_partial(code)]
    quantities = _quantity_texts(names, spec, total)
    breakdown = _breakdown(names, spec, total)
    value = _value_text(names, spec, total)
    verb = spec.verb_vi if names.vi else spec.verb_en
    noun = object_noun(spec)
    if noun is not None and quantities:
        if names.vi:
            quantities = [f"{q} {noun}" for q in quantities]
        text = f"{verb} {', '.join(quantities)}"
        if recipients:
            text += f" ({', '.join(recipients)})"
        if value:
            text += f" {value}"
        if breakdown:
            text += ", " + t("of which {breakdown}").format(breakdown=breakdown)
        return _with_partials(names, spec, total, text)
    text = verb
    if recipients:
        text += " " + t("for {recipients}").format(recipients=", ".join(recipients))
    if quantities and (breakdown is None or not recipients):
        text += " " + t("with {quantities}").format(quantities=", ".join(quantities))
    if breakdown:
        text += ", " + t("of which {breakdown}").format(breakdown=breakdown)
    if value:
        text += ", " + value
    if text == verb:
        text += ": " + t("{count} records").format(count=format_number(total.records, locale))
    return _with_partials(names, spec, total, text)


def _with_partials(names: Localised, spec: CategorySpec, total: CategoryTotal, text: str) -> str:
    """The sentence, then each measure that only some records gave, said as such:
    "Tặng 2.350 suất quà; 2/6 lượt có ghi số hộ: 410 hộ." A partial sum never passes for the whole."""
    clauses = [partial_text(names, measure, total, shown) for measure in spec.measures
               if total.is_partial(measure.code) and (shown := total_figure(names, measure, total))]
    return "; ".join([text, *clauses]) + "."


def headline_figures(current: CategoryTotal, previous: CategoryTotal | None) -> tuple[int, int]:
    """(now, before) of what a change is measured on: the value when there is one, else households,
    persons, records; always the same measure on both sides, and only one that every record of both
    periods gave (a partial sum would compare how much was written down, not the support)."""
    for measure, attribute in (("value", "value_dong"), ("households", "households"), ("persons", "persons")):
        figure = getattr(current, attribute)
        if not figure or current.is_partial(measure):
            continue
        if previous is None or not previous.is_partial(measure):
            return figure, getattr(previous, attribute) if previous is not None else 0
    return current.records, previous.records if previous is not None else 0


def change_text(t: Translator, current: int | Decimal, previous: int | Decimal, previous_label: str) -> str:
    """"tăng 12,5% so với tháng 10/2026" / "giảm 3% …" / "bằng tháng 10/2026" / "tháng 10/2026: chưa có"."""
    if not previous:
        return t("{period}: none").format(period=previous_label) if current else ""
    if current == previous:
        return t("same as {period}").format(period=previous_label)
    percent = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
    shown = format_number(abs(percent).quantize(Decimal("0.1")), t.locale, max_decimals=1)
    template = t("up {percent} on {period}") if percent > 0 else t("down {percent} on {period}")
    return template.format(percent=f"{shown}%", period=previous_label)


def with_change(sentence: str, change: str) -> str:
    """"… 81,15 triệu đồng (tăng 20% so với tháng 10/2026)." — the change inside the sentence."""
    return f"{sentence.removesuffix('.')} ({change})." if change else sentence


def grand_value(totals: Totals) -> int:
    """All money of the period (loans included, as the value measure of the loan category)."""
    return sum(total.value_dong for total in totals.values())


def value_coverage(catalogue: CatalogueFile, totals: Totals) -> tuple[int, int]:
    """(records that gave a value, records of the kinds of support that have a value measure)."""
    kinds = [total for spec, total in ordered_categories(catalogue, totals) if spec.measure("value") is not None]
    return sum(total.value_records for total in kinds), sum(total.records for total in kinds)


def grand_value_text(names: Localised, totals: Totals) -> str:
    """"Tổng trị giá: 1.234,5 triệu đồng", and when only some records gave a value, how many:
    "Tổng trị giá (9/12 lượt có ghi trị giá): …"."""
    t = names.t
    given, possible = value_coverage(names.catalogue, totals)
    value = format_money_prose(grand_value(totals), t.locale)
    if 0 < given < possible:
        return t("Total value ({count}/{total} records give a value): {value}").format(
            count=format_number(given, t.locale), total=format_number(possible, t.locale), value=value)
    return t("Total value: {value}").format(value=value)


def ordered_categories(catalogue: CatalogueFile, totals: Totals) -> list[tuple[CategorySpec, CategoryTotal]]:
    """Categories with figures, in catalogue order (codes no longer in the catalogue are left out)."""
    return [(spec, totals[spec.code]) for spec in sorted(catalogue.category, key=lambda c: c.sort)
            if spec.code in totals]


def report_sentences(names: Localised, totals: Totals) -> list[str]:
    return [category_sentence(names, spec, total) for spec, total in ordered_categories(names.catalogue, totals)]


@dataclass
class ScopeTotals:
    """A scope's totals for a period and the period before, with the filters that were applied."""

    unit: Unit
    period: Period
    current: Totals
    previous: Totals
    organisation_code: str | None = None
    category_code: str | None = None
    parts: list[tuple[str, Totals]] = field(default_factory=list)  # (label, totals) of a breakdown


def scope_totals(session: Session, *, unit: Unit, period: Period, organisation_code: str | None = None,
                 category_code: str | None = None) -> ScopeTotals:
    """Totals of `unit`'s subtree for `period` and for the period before it."""
    before = period.previous()
    filters = {"organisation_code": organisation_code, "category_code": category_code}
    return ScopeTotals(unit=unit, period=period,
                       current=compute_totals(session, unit=unit, start=period.start, end=period.end, **filters),
                       previous=compute_totals(session, unit=unit, start=before.start, end=before.end, **filters),
                       organisation_code=organisation_code, category_code=category_code)


def by_organisation(session: Session, *, unit: Unit, period: Period, category_code: str | None = None,
                    ) -> list[tuple[str, Totals]]:
    """(organisation code, totals) for each organisation with figures, in catalogue order.

    Each organisation keeps the credit for its own reports here, confirmed duplicates included
    (see compute_totals), so the parts may add up to more than the scope's total.
    """
    result = []
    for organisation in list_organisations(session, active_only=False):
        totals = compute_totals(session, unit=unit, start=period.start, end=period.end,
                                organisation_code=organisation.code, category_code=category_code)
        if totals:
            result.append((organisation.code, totals))
    return result


def subtract(whole: Totals, parts: list[Totals]) -> Totals:
    """What `whole` holds beyond its parts: records logged at a parent unit itself, not under a child."""
    result: Totals = {}
    for code, total in whole.items():
        rest = replace(total, quantities=dict(total.quantities), subtypes=dict(total.subtypes))
        for part in parts:
            other = part.get(code)
            if other is None:
                continue
            for name in COUNTED:
                setattr(rest, name, getattr(rest, name) - getattr(other, name))
            for key, amount in other.quantities.items():
                rest.quantities[key] = rest.quantities.get(key, Decimal(0)) - amount
            for key, amount in other.subtypes.items():
                rest.subtypes[key] = rest.subtypes.get(key, Decimal(0)) - amount
        rest.quantities = {k: v for k, v in rest.quantities.items() if v}
        rest.subtypes = {k: v for k, v in rest.subtypes.items() if v}
        if rest.records:
            result[code] = rest
    return result


def by_child_unit(session: Session, *, unit: Unit, period: Period, organisation_code: str | None = None,
                  category_code: str | None = None, whole: Totals | None = None) -> list[tuple[Unit, Totals]]:
    """(unit, totals) for each direct child (empty ones included, so a silent commune shows), plus the
    unit itself when records were logged at its own level."""
    filters = {"organisation_code": organisation_code, "category_code": category_code}
    children = list_child_units(session, parent_id=unit.id)
    if organisation_code is None:  # one query for all the children (a province has ~100 communes)
        batch = compute_totals_of_areas(session, units=children, start=period.start, end=period.end,
                                        category_code=category_code)
        rows: list[tuple[Unit, Totals]] = [(child, batch[child.id or 0]) for child in children]
    else:
        rows = [(child, compute_totals(session, unit=child, start=period.start, end=period.end, **filters))
                for child in children]
    if whole is None:
        whole = compute_totals(session, unit=unit, start=period.start, end=period.end, **filters)
    own = subtract(whole, [totals for _, totals in rows])
    if own:
        rows.insert(0, (unit, own))
    return rows


def summary_line(names: Localised, totals: Totals) -> str:
    """"12 lượt hỗ trợ, trị giá 81,15 triệu đồng" — one table cell per child unit in a digest."""
    t = names.t
    records = sum(total.records for total in totals.values())
    if not records:
        return t("no figures yet")
    text = t("{count} records").format(count=format_number(records, t.locale))
    value = grand_value(totals)
    if value:
        text += ", " + t("worth {value}").format(value=format_money_prose(value, t.locale))
        given, possible = value_coverage(names.catalogue, totals)
        if given < possible:
            text += " " + t("({count}/{total} records give a value)").format(
                count=format_number(given, t.locale), total=format_number(possible, t.locale))
    return text


def totals_message(names: Localised, scope: ScopeTotals, *, unit_name: str, breakdown_title: str | None = None,
                   part_names: dict[str, str] | None = None, icon: str = "📊") -> Text:
    """The /totals answer: a heading, one sentence a category with its change, the grand total,
    and, on request, the same per organisation or per child unit (`scope.parts`). A digest heads it
    with its own `icon`."""
    t = names.t
    label, before = scope.period.label(t), scope.period.previous().label(t)
    heading = t("Totals for {period}, {unit}").format(period=label, unit=unit_name)
    lines = Text().add(bold(f"{icon} {heading}"))
    filters = []
    if scope.organisation_code:
        filters.append(t("organisation: {name}").format(name=names.organisation(scope.organisation_code)))
    if scope.category_code:
        spec = names.catalogue.category_by_code(scope.category_code)
        filters.append(t("support: {name}").format(name=names.category(spec) if spec else scope.category_code))
    if filters:
        lines.add(italic(" · ".join(filters)))
    if not scope.current:
        lines.add(t("No support recorded in {period}.").format(period=label))
    for spec, total in ordered_categories(names.catalogue, scope.current):
        change = change_text(t, *headline_figures(total, scope.previous.get(spec.code)), before)
        lines.add("• " + with_change(category_sentence(names, spec, total), change))
    current_value, previous_value = grand_value(scope.current), grand_value(scope.previous)
    if current_value or previous_value:
        # No change against a period whose total (or this one's) covers only some records: it would
        # measure how much was written down, not the support.
        whole = all(given == possible for given, possible in (value_coverage(names.catalogue, scope.current),
                                                               value_coverage(names.catalogue, scope.previous)))
        change = change_text(t, current_value, previous_value, before) if whole else ""
        total_text = grand_value_text(names, scope.current)
        lines.add(bold(total_text), f" ({change})" if change else "")
    if breakdown_title and scope.parts:
        lines.add()
        lines.add(bold(breakdown_title))
        for key, totals in scope.parts:
            name = (part_names or {}).get(key, key)
            lines.add(underline(name), ": " + summary_line(names, totals))
            for sentence in report_sentences(names, totals):
                lines.add("  – " + sentence)
    return lines


def visible_units(session: Session, *, user: User) -> list[Unit]:
    """The units whose totals `user` may see: a supervisor's whole subtree, a reporter's own unit."""
    own = get_unit(session, unit_id=user.unit_id)
    if own is None:
        return []
    if may(user, Do.SUPERVISE):
        return list(list_subtree_units(session, root=own))
    return [own]


def scope_unit(session: Session, *, user: User, unit_id: int | None) -> Unit:
    """The unit to total: the user's own by default; another only if it is one they may see."""
    own = get_unit(session, unit_id=user.unit_id)
    if own is None:
        raise AccessDenied("user without a unit")
    if unit_id is None or unit_id == own.id:
        return own
    target = get_unit(session, unit_id=unit_id)
    if target is None or not may(user, Do.SEE_UNIT, target, session=session):
        raise AccessDenied("unit outside the user's subtree")
    return target


def scope_level(session: Session, catalogue: CatalogueFile, *, unit: Unit) -> str | None:
    """The level organisations are named at for `unit`'s figures: its own kind ("UBND thành phố")
    unless units of another level lie under it (a district's totals hold its communes' People's
    Committees too, so they say "UBND"). Kinds without a level word (villages) do not count."""
    kinds = {u.kind for u in list_subtree_units(session, root=unit)
             if catalogue.level_word(u.kind, vi=True) is not None}
    return unit.kind if kinds <= {unit.kind} else None


def scope_names(session: Session, names: Localised, *, unit: Unit) -> Localised:
    """Names for a scope's own documents: its organisations as the unit's bodies ("Hội LHPN xã Bình Gia")
    when its figures are one level's, else without a level ("UBND": a province's hold its communes')."""
    return names.at_unit(unit) if scope_level(session, names.catalogue, unit=unit) == unit.kind else names.at(None)


def has_children(session: Session, *, unit: Unit) -> bool:
    return bool(list_child_units(session, parent_id=unit.id))


def metric_total(totals: Totals, metric: str) -> int:
    """The sum a "bao nhiêu hộ/khẩu" question asks for, over the categories in `totals`."""
    return int(sum(getattr(total, metric) for total in totals.values()))


def metric_text(names: Localised, totals: Totals, metric: str) -> str:
    """"Số hộ: 410", and when only some records gave the figure, how many did:
    "Số hộ: 410 (2/6 lượt có ghi)". Records of kinds that do not record the measure do not count."""
    t = names.t
    label = t("Households: {count}") if metric == "households" else t("Persons: {count}")
    text = label.format(count=format_number(metric_total(totals, metric), t.locale))
    kinds = [total for spec, total in ordered_categories(names.catalogue, totals) if spec.measure(metric)]
    given, possible = sum(total.recorded(metric) for total in kinds), sum(total.records for total in kinds)
    if 0 < given < possible:
        text += " " + t("({count}/{total} records give this figure)").format(
            count=format_number(given, t.locale), total=format_number(possible, t.locale))
    return text
