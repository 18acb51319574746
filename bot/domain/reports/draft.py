"""The draft report an office can send: its content as plain data, in the Decree 30/2020 layout.

A district or commune office pastes this into its periodic report, so the draft has every block the
decree asks of an administrative document, in order: the issuing body and the national heading side by
side, the number (with the issuing body's symbol: "BC-UBND", "BC-MTTQ"), place and date, the title, "Kính
gửi" the body above (docs/report-names.md says who); the figures (by kind of support, by organisation); how
the units under it reported for the period (on time, late, not yet) and the suspected double counts
still open (counts only: no household names leave the bot this way); the parts only the office can
write ("Tồn tại, hạn chế", "Phương hướng, nhiệm vụ thời gian tới") as marked placeholders; and the
closing blocks: "Nơi nhận:" ("Như trên;", "Lưu: VT.") beside the signature block, left blank to sign; and
the appendix, the summary table (bot/domain/reports/summary_table.py).

Why plain data and not python-docx calls: what the report says is domain (tested here, reused by any
renderer), how a DOCX lays it out is not (bot/domain/reports/docx.py). Every figure comes from
`compute_totals` through `bot.domain.reports.sentences`, so the draft agrees with /totals to the đồng.

Who signs: a report of the whole unit (or of its People's Committee) is the People's Committee's
("TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH"); a report filtered to one organisation is that organisation's,
signed in its own form (`SIGNATURES`: "TM. BAN THƯỜNG VỤ" / "CHỦ TỊCH" for the associations,
"TM. BAN THƯỜNG TRỰC" for the Fatherland Front, "TM. BAN CHẤP HÀNH" / "BÍ THƯ" for the Youth Union).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from bot.domain.catalogue.file import OrganisationSpec
from bot.domain.formatting import format_day, format_day_long
from bot.domain.outcomes.support import outcome_section
from bot.domain.periods import submissions as reporting
from bot.domain.periods.calendar import Period
from bot.domain.periods.status_text import percent_text
from bot.domain.records.action_text import Localised
from bot.domain.records.duplicates import CONFIRMED, SUSPECT
from bot.domain.reports.scope import ExportScope
from bot.domain.reports.sentences import (
    by_organisation,
    category_sentence,
    change_text,
    grand_value,
    grand_value_text,
    headline_figures,
    ordered_categories,
    scope_names,
    scope_totals,
    with_change,
)
from bot.domain.reports.summary_table import SummaryTable, summary_table
from bot.domain.totals.aggregate import subtree_unit_ids
from bot.domain.units.tree import unit_display
from bot.i18n import N_
from db.models import ActionStatus, Category, Organisation, ReportingPeriod, SupportAction, Unit
from db.queries import get_unit

PEOPLES_COMMITTEE = "commune_pc"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")

SIGNATURES: dict[str, tuple[str, str]] = {
    PEOPLES_COMMITTEE: (N_("ON BEHALF OF THE PEOPLE'S COMMITTEE"), N_("CHAIRPERSON")),
    "fatherland_front": (N_("ON BEHALF OF THE STANDING BOARD"), N_("CHAIRPERSON")),
    "youth_union": (N_("ON BEHALF OF THE EXECUTIVE COMMITTEE"), N_("SECRETARY")),
    "vbsp": ("", N_("DIRECTOR")),
    "donor": ("", N_("HEAD OF THE UNIT")),
}
"""Signature forms by organisation (on behalf of …, position); any other organisation is an association
signed by its standing committee's chairperson."""
ASSOCIATION_SIGNATURE = (N_("ON BEHALF OF THE STANDING COMMITTEE"), N_("CHAIRPERSON"))


@dataclass(frozen=True)
class Line:
    """One paragraph: an optional bold lead-in, the text; a bullet item or a placeholder to fill in."""

    text: str
    lead: str = ""
    bullet: bool = False
    placeholder: bool = False


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class DraftReport:
    """Every block of the draft, as text in the reader's language, in document order."""

    issuer_parent: str
    issuer: str
    number: str
    national: tuple[str, str]
    place_date: str
    title: str
    subtitle: str
    addressed: str
    """"Kính gửi:" before the addressees (empty when there are none: a unit with nothing above it)."""
    addressees: list[str]
    sections: list[Section]
    recipients_heading: str
    recipients: list[str]
    signature_on_behalf: str
    signature_position: str
    signature_note: str
    appendix: SummaryTable
    appendix_note: str
    """"(Kèm theo Báo cáo số …/BC-UBND)": which report the table belongs to."""
    locale: str
    """The reader's language: how the table's numbers are printed ("1.100" / "1,100")."""


def draft_report(session: Session, *, names: Localised, scope: ExportScope, place: str, today: date) -> DraftReport:
    """The draft for `scope` (a unit's subtree, a period, optional filters), dated `today` at `place`."""
    t = names.t
    parent = get_unit(session, unit_id=scope.unit.parent_id) if scope.unit.parent_id else None
    sections = [_results(session, names, scope)]
    outcome = outcome_section(session, names, unit=scope.unit, up_to=scope.period.end.year)
    if outcome is not None:  # a report opens with the outcome the support is for
        year, lines = outcome
        sections.insert(0, Section(t("Poverty reduction results ({year})").format(year=year),
                                   [Line(text) for text in lines]))
    if scope.organisation_code is None:
        sections.append(_by_organisation(session, names, scope))
    sections.append(_reporting(session, names, scope))
    sections.append(_double_counts(session, names, scope))
    to_fill = Line(t("(To be written by the office.)"), placeholder=True)
    sections.append(Section(t("Shortcomings and limitations"), [to_fill]))
    sections.append(Section(t("Directions and tasks for the coming period"), [to_fill]))
    sections = [Section(f"{ROMAN[i]}. {s.heading}", s.lines) for i, s in enumerate(sections)]
    on_behalf, position = signature(scope.organisation_code)
    issuer_parent, issuer = heading(names, scope.organisation_code, scope.unit, parent)
    reference = f".../BC-{symbol(names, scope.organisation_code)}"  # "BC": báo cáo, in every language
    to = addressees(names, scope.organisation_code, parent)
    return DraftReport(
        issuer_parent=issuer_parent, issuer=issuer, number=t("No.: {reference}").format(reference=reference),
        national=(t("SOCIALIST REPUBLIC OF VIET NAM"), t("Independence - Freedom - Happiness")),
        place_date=t("{place}, {date}").format(place=place, date=format_day_long(today, t.locale)),
        title=t("REPORT"),
        subtitle=t("Results of support for poor households, {period}").format(period=scope.period.label(t)),
        addressed=t("To:") if to else "", addressees=to,
        sections=sections,
        recipients_heading=t("Recipients:"),
        recipients=[t("- As above;")] * bool(to) + [t("- Filed: VT.")],
        signature_on_behalf=t(on_behalf) if on_behalf else "",
        signature_position=t(position),
        signature_note=t("(Signature, full name and seal)"),
        appendix=summary_table(session, names, scope),
        appendix_note=t("(Attached to report No. {reference})").format(reference=reference), locale=t.locale)


def _organisation(names: Localised, organisation_code: str | None) -> OrganisationSpec | None:
    return next((o for o in names.catalogue.organisation if o.code == (organisation_code or PEOPLES_COMMITTEE)),
                None)


def issuing_body(names: Localised, organisation_code: str | None, unit: Unit) -> str:
    """The body that signs, named with its unit: "UBND xã Bình Gia", "Hội LHPN xã Ia Rsai"."""
    return names.at_unit(unit).organisation(organisation_code or PEOPLES_COMMITTEE)


def heading(names: Localised, organisation_code: str | None, unit: Unit, parent: Unit | None) -> tuple[str, str]:
    """The issuing body's two heading lines (Decree 30/2020), in capitals. A body with a heading name in the
    catalogue writes it over its place: "ỦY BAN NHÂN DÂN" / "TỈNH LẠNG SƠN", "ỦY BAN MTTQ VIỆT NAM" / "XÃ
    BÌNH GIA"; an association writes its committee one level up over its own: "HỘI LHPN TỈNH LẠNG SƠN" / "HỘI
    LHPN XÃ BÌNH GIA" (its own alone when nothing is above it)."""
    spec = _organisation(names, organisation_code)
    own_heading = (spec.heading_vi if names.vi else spec.heading_en) if spec else None
    if own_heading:
        return own_heading.upper(), unit_display(names.t, unit).upper()
    above = issuing_body(names, organisation_code, parent).upper() if parent else ""
    return above, issuing_body(names, organisation_code, unit).upper()


def symbol(names: Localised, organisation_code: str | None) -> str:
    """The issuing body's abbreviation in the number ("UBND", "MTTQ", "HLHPN"; the catalogue's data), or "..."
    for the office to fill in when the catalogue gives none."""
    spec = _organisation(names, organisation_code)
    return spec.symbol if spec and spec.symbol else "..."


def addressees(names: Localised, organisation_code: str | None, parent: Unit | None) -> list[str]:
    """Who the report is sent to ("Kính gửi"): the same body one level up ("UBND tỉnh Lạng Sơn", "Hội LHPN
    tỉnh Lạng Sơn": since 2025 a commune's is the province; in an older tree, the district's), and for a
    People's Committee reporting to a province, the province's department that runs the poverty programmes
    (Sở Nông nghiệp và Môi trường). A body that is not one unit's (the bank, donors) reports to the People's
    Committee above. Nothing when the unit has nothing above it."""
    if parent is None:
        return []
    spec = _organisation(names, organisation_code)
    code = (organisation_code or PEOPLES_COMMITTEE) if spec is not None and spec.named_with_unit \
        else PEOPLES_COMMITTEE
    bodies = [issuing_body(names, code, parent)]
    if code == PEOPLES_COMMITTEE and parent.parent_id is None:
        bodies.append(names.t("Department of Agriculture and Environment of {unit}").format(
            unit=unit_display(names.t, parent)))
    return bodies


def signature(organisation_code: str | None) -> tuple[str, str]:
    """(on behalf of …, position) msgids: the People's Committee for a whole unit's report."""
    return SIGNATURES.get(organisation_code or PEOPLES_COMMITTEE, ASSOCIATION_SIGNATURE)


def _results(session: Session, names: Localised, scope: ExportScope) -> Section:
    """One sentence a kind of support, with the change from the period before, then the grand value."""
    t = names.t
    totals = scope_totals(session, unit=scope.unit, period=scope.period, organisation_code=scope.organisation_code,
                          category_code=scope.category_code)
    before = scope.period.previous().label(t)
    lines = []
    for index, (spec, total) in enumerate(ordered_categories(names.catalogue, totals.current), start=1):
        change = change_text(t, *headline_figures(total, totals.previous.get(spec.code)), before)
        lines.append(Line(with_change(category_sentence(names, spec, total), change),
                          lead=f"{index}. {names.category(spec)}: "))
    if not totals.current:
        lines.append(Line(t("No support recorded in {period}.").format(period=scope.period.label(t))))
    if grand_value(totals.current):
        lines.append(Line(grand_value_text(names, totals.current) + "."))
    return Section(t("Results by kind of support"), lines)


def _by_organisation(session: Session, names: Localised, scope: ExportScope) -> Section:
    """Each organisation's own figures (its confirmed duplicates included: the credit stays its own)."""
    level_names = scope_names(session, names, unit=scope.unit)
    lines = []
    for code, totals in by_organisation(session, unit=scope.unit, period=scope.period,
                                        category_code=scope.category_code):
        lines.append(Line("", lead=level_names.organisation(code)))
        lines += [Line(category_sentence(names, spec, total), bullet=True)
                  for spec, total in ordered_categories(names.catalogue, totals)]
    return Section(names.t("Results by organisation"), lines)


def reporting_period_for(session: Session, *, unit: Unit, period: Period) -> tuple[ReportingPeriod | None, bool]:
    """The reporting period the draft speaks of: one the unit set for the units under it (True), else one
    it reports for itself (False); the same dates preferred, else the one overlapping the most."""
    def best(candidates: list[ReportingPeriod]) -> ReportingPeriod | None:
        overlapping = [p for p in candidates if p.start <= period.end and p.end >= period.start]
        return max(overlapping, default=None, key=lambda p: (
            (p.start, p.end) == (period.start, period.end),
            (min(p.end, period.end) - max(p.start, period.start)).days, p.due))

    defined = best(list(session.exec(select(ReportingPeriod).where(ReportingPeriod.unit_id == unit.id)).all()))
    if defined is not None:
        return defined, True
    return best(list(reporting.periods_for_unit(session, unit_id=unit.id or 0))), False


def _reporting(session: Session, names: Localised, scope: ExportScope) -> Section:
    """Which units submitted for the period, on time or late, and which not yet (or the unit's own state)."""
    t = names.t
    heading = t("Reporting by the units")
    reporting_period, supervised = reporting_period_for(session, unit=scope.unit, period=scope.period)
    if reporting_period is None:
        return Section(heading, [Line(t("No reporting period covers {period}.").format(
            period=scope.period.label(t)))])
    due = format_day(reporting_period.due, t.locale)
    if not supervised:
        last = reporting.latest_submission(session, period_id=reporting_period.id or 0, unit_id=scope.unit.id or 0)
        if last is None or last.status != reporting.SUBMITTED:
            text = t("{unit} has not yet submitted its figures for “{name}” (due {due}).")
        elif last.late:
            text = t("{unit} submitted its figures for “{name}” late (due {due}).")
        else:
            text = t("{unit} submitted its figures for “{name}” on time (due {due}).")
        return Section(heading, [Line(text.format(unit=unit_display(t, scope.unit), name=reporting_period.name,
                                                  due=due))])
    status = reporting.period_status(session, period=reporting_period)
    lines = [Line(t("“{name}” (due {due}): {submitted} of {expected} units submitted ({completeness}), "
                    "{on_time} on time ({timeliness}).").format(
        name=reporting_period.name, due=due, submitted=status.submitted, expected=status.expected,
        completeness=percent_text(status.completeness, t.locale), on_time=status.on_time,
        timeliness=percent_text(status.timeliness, t.locale)))]
    groups = ((N_("On time"), [s.unit for s in status.units if s.state == "on_time"]),
              (N_("Late"), [s.unit for s in status.units if s.state == "late"]),
              (N_("Not yet submitted"), status.missing))
    for label, units in groups:
        if units:
            lines.append(Line(", ".join(unit_display(t, u) for u in units) + ".",
                              lead=t("{label} ({count}): ").format(label=t(label), count=len(units)), bullet=True))
    return Section(heading, lines)


def double_count_figures(session: Session, *, scope: ExportScope) -> tuple[Counter[int], int]:
    """(open suspects per unit id, confirmed duplicates) among the scope's current records: counts only.
    A suspect is the later of the two records, so an organisation's draft lists its own open ones."""
    conditions = [col(SupportAction.status) == ActionStatus.CURRENT,
                  col(SupportAction.unit_id).in_(subtree_unit_ids(session, root=scope.unit)),
                  col(SupportAction.action_date) >= scope.period.start,
                  col(SupportAction.action_date) <= scope.period.end]
    if scope.category_code is not None:
        conditions.append(col(SupportAction.category_id).in_(
            select(Category.id).where(Category.code == scope.category_code)))
    if scope.organisation_code is not None:  # the organisation's own records: those its figures hold
        conditions.append(col(SupportAction.organisation_id).in_(
            select(Organisation.id).where(Organisation.code == scope.organisation_code)))
    suspects = Counter({int(unit_id): int(count) for unit_id, count in session.exec(
        select(SupportAction.unit_id, func.count()).where(*conditions, SupportAction.duplicate_status == SUSPECT)
        .group_by(col(SupportAction.unit_id))).all()})
    confirmed = session.exec(select(func.count()).select_from(SupportAction).where(
        *conditions, SupportAction.duplicate_status == CONFIRMED)).one()
    return suspects, int(confirmed)


def _double_counts(session: Session, names: Localised, scope: ExportScope) -> Section:
    """How many possible double counts are still open (they are included in the figures above), by unit."""
    t = names.t
    suspects, confirmed = double_count_figures(session, scope=scope)
    heading = t("Suspected double counts")
    lines = []
    if suspects:
        lines.append(Line(t("{count} record(s) suspected of repeating another organisation's report are not yet "
                            "resolved; the figures above still include them:").format(count=sum(suspects.values()))))
        units = sorted(((get_unit(session, unit_id=u), n) for u, n in suspects.items()),
                       key=lambda pair: pair[0].name if pair[0] else "")
        lines += [Line(f"{unit_display(t, unit)}: {count}.", bullet=True) for unit, count in units if unit]
    else:
        lines.append(Line(t("No suspected double count is left unresolved.")))
    if confirmed and scope.organisation_code is None:  # an organisation's own figures keep its duplicates
        lines.append(Line(t("{count} report(s) of a distribution already reported by another organisation were "
                            "confirmed and are counted once.").format(count=confirmed)))
    return Section(heading, lines)
