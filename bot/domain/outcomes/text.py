"""How poverty outcomes read: the "Kết quả giảm nghèo" lines of /totals, the digest and the draft
report, the figures' names, and why figures were refused.

Written the way reports write it: "Tỷ lệ hộ nghèo giảm 3,3%, tương đương 625 hộ, còn 19,1%, đạt 110%
kế hoạch"; "23 hộ thoát nghèo, 0 hộ tái nghèo, 4 hộ nghèo phát sinh". Every number goes through the one
formatter (bot/domain/formatting.py).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.domain.formatting import format_number, format_rate
from bot.domain.outcomes.totals import Fall, Outcome
from bot.i18n import N_, Translator

FIGURE_LABELS = {
    "total_households": N_("total households"),
    "poor": N_("poor households"),
    "near_poor": N_("near-poor households"),
    "total_start": N_("total households at the start of the year"),
    "poor_start": N_("poor households at the start of the year"),
    "near_poor_start": N_("near-poor households at the start of the year"),
    "poor_persons": N_("persons in poor households"),
    "near_poor_persons": N_("persons in near-poor households"),
    "escaped": N_("households that escaped poverty"),
    "fell_back": N_("households that fell back into poverty"),
    "new_poor": N_("newly poor households"),
    "escaped_near": N_("households that escaped near-poverty"),
}
"""What each figure is called to the user (msgids), in the order the form asks for them."""
STAGE_LABELS = {"year": N_("annual review"), "q1": N_("first-quarter update"), "h1": N_("mid-year update"),
                "q3": N_("third-quarter update")}


def _n(t: Translator, value: int) -> str:
    return format_number(value, t.locale)


def _points(t: Translator, value: Decimal, decimals: int) -> str:
    return format_number(abs(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), t.locale,
                         max_decimals=decimals)


def problem_text(t: Translator, code: str, values: dict[str, int | str]) -> str:
    """One reason the figures were refused, naming what does not add up."""
    n = {k: _n(t, v) if isinstance(v, int) else v for k, v in values.items()}
    if code == "missing":
        return t("The {figure} are missing.").format(figure=t(FIGURE_LABELS[str(values["figure"])]))
    if code == "negative":
        return t("The {figure} cannot be negative.").format(figure=t(FIGURE_LABELS[str(values["figure"])]))
    if code == "no_households":
        return t("The total number of households cannot be 0.")
    if code == "over_total":
        return t("{poor} poor + {near_poor} near-poor households are more than the {total} households in all."
                 ).format(**n)
    if code == "over_total_start":
        return t("At the start of the year, {poor} poor + {near_poor} near-poor households are more than the "
                 "{total} households in all.").format(**n)
    if code == "persons":
        return t("{persons} {figure} is fewer than the {households} households.").format(
            persons=n["persons"], households=n["households"], figure=t(FIGURE_LABELS[str(values["figure"])]))
    if code == "escaped_over_start":
        return t("{escaped} households escaped poverty, but there were only {start} poor households at the start "
                 "of the year.").format(**n)
    if code == "balance":
        source = (t("last year's review") if values.get("source") == "previous"
                  else t("the start of the year"))
        return t("The poor households do not add up: {start} at {source} − {escaped} escaped + {fell_back} fell "
                 "back + {new_poor} newly poor = {expected}, but {poor} are given.").format(
            start=n["start"], source=source, escaped=n["escaped"], fell_back=n["fell_back"],
            new_poor=n["new_poor"], expected=n["expected"], poor=n["poor"])
    if code == "flows_negative":
        return t("The poor households do not add up: {poor} now + {escaped} escaped − {fell_back} fell back − "
                 "{new_poor} newly poor is less than 0 at the start of the year.").format(**n)
    return t("The figures do not add up.")


def _fall_sentence(t: Translator, fall: Fall, decimals: int) -> str | None:
    points = fall.points
    if not fall.units or points is None:
        return None
    if points >= 0:
        return t("the poverty rate fell by {points} points, {households} households").format(
            points=_points(t, points, decimals), households=_n(t, fall.households))
    return t("the poverty rate rose by {points} points, {households} households").format(
        points=_points(t, points, decimals), households=_n(t, -fall.households))


def headline(t: Translator, result: Outcome, *, decimals: int = 1) -> str | None:
    """"Tỷ lệ hộ nghèo giảm 3,3%, tương đương 625 hộ, còn 19,1%, đạt 110% kế hoạch." or None without
    figures."""
    poverty = result.poverty_rate
    if poverty is None:
        return None
    now = format_rate(poverty, t.locale, decimals=decimals)
    fall = _fall_sentence(t, result.year_fall, decimals)
    if fall is None:
        text = t("Poverty rate {rate} ({poor} of {total} households)").format(
            rate=now, poor=_n(t, result.sums["poor"]), total=_n(t, result.sums["total_households"]))
    else:
        text = t("{fall}, now {rate}").format(fall=fall, rate=now)
        text = text[:1].upper() + text[1:]
    for kind in ("rate", "households"):
        progress = result.progress(kind)
        if progress is not None:
            # the sign goes with the figure: "% o" beside a placeholder reads to the extractor as a %o format
            percent = format_number(progress, t.locale, max_decimals=1) + "%"
            text += ", " + t("{percent} of the target").format(percent=percent)
            break
    return text + "."


def outcome_lines(t: Translator, result: Outcome, *, decimals: int = 1) -> list[str]:
    """Every line of the "Kết quả giảm nghèo" section (empty when no unit has figures for the year)."""
    first = headline(t, result, decimals=decimals)
    if first is None:
        return []
    lines = [first]
    sums = result.sums
    near = result.near_poverty_rate
    line = t("{poor} poor and {near_poor} near-poor households out of {total}; near-poverty rate {rate}").format(
        poor=_n(t, sums["poor"]), near_poor=_n(t, sums["near_poor"]), total=_n(t, sums["total_households"]),
        rate=format_rate(near, t.locale, decimals=decimals) if near is not None else "–")
    near_fall = result.near_fall
    if near_fall.units == result.reported and near_fall.points is not None:
        points = near_fall.points
        if not points and not near_fall.households:
            line += " " + t("(unchanged)")
        else:
            line += " " + (t("(down {points} points, {households} households)") if points >= 0
                           else t("(up {points} points, {households} households)")).format(
                points=_points(t, points, decimals), households=_n(t, abs(near_fall.households)))
    lines.append(line + ".")
    flows = []
    for name, msgid in (("escaped", N_("{count} households escaped poverty")),
                        ("fell_back", N_("{count} fell back into poverty")),
                        ("new_poor", N_("{count} newly poor")),
                        ("escaped_near", N_("{count} escaped near-poverty"))):
        value = result.figure(name)
        if value is not None:
            flows.append(t(msgid).format(count=_n(t, value)))
    if flows:
        lines.append(", ".join(flows) + ".")
    targets = []
    if "rate" in result.targets:
        targets.append(t("a fall of {points} points").format(points=format_number(result.targets["rate"], t.locale,
                                                                                max_decimals=2)))
    if "households" in result.targets:
        targets.append(t("{count} fewer poor households").format(count=_n(t, int(result.targets["households"]))))
    if targets:
        lines.append(t("Target for {year}: {targets}.").format(year=result.year, targets=", ".join(targets)))
    if result.period_start != result.year:
        period = _fall_sentence(t, result.period_fall, decimals)
        if period is not None:
            lines.append(t("Since the start of the {first}–{last} period, {fall}.").format(
                first=result.period_start, last=result.period_start + 4, fall=period))
    if result.expected > 1 or result.reported < result.expected:
        line = t("{reported}/{expected} communes have review figures for {year}.").format(
            reported=result.reported, expected=result.expected, year=result.year)
        if 0 < result.year_fall.units < result.reported:
            line += " " + t("The fall is counted over the {count} with figures for the start of the year.").format(
                count=result.year_fall.units)
        lines.append(line)
    if "year" not in result.stages:
        lines.append(t("These are figures updated during the year, not yet the annual review."))
    return lines
