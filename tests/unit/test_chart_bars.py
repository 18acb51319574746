"""The digest chart of a province of 168 communes draws the 14 largest units and one bar for the rest:
readable on a phone, and drawn in a fraction of the time 168 labelled bars take."""

from __future__ import annotations

from bot.domain.charts import MAX_BARS, chart_png, top_units


def test_a_province_of_168_communes_gets_15_bars_that_add_up() -> None:
    units = [(f"xã {n}", n * 1_000_000) for n in range(1, 169)]
    bars = top_units(units, "{count} đơn vị khác")
    assert len(bars) == MAX_BARS == 15
    assert bars[0] == ("xã 168", 168_000_000) and bars[13] == ("xã 155", 155_000_000)
    assert bars[-1] == ("154 đơn vị khác", sum(n * 1_000_000 for n in range(1, 155)))
    assert sum(value for _, value in bars) == sum(value for _, value in units)


def test_a_district_of_15_communes_keeps_every_bar_in_its_order() -> None:
    units = [(f"xã {n}", (n % 4) * 1_000_000) for n in range(15)]
    assert top_units(units, "+{count}") == units


def test_the_chart_draws_with_many_units() -> None:
    png = chart_png(title="tỉnh Thanh Hóa, tháng 11/2026", units=[(f"xã {n}", n * 10_000_000) for n in range(166)],
                    trend=[("10/2026", 5_000_000), ("11/2026", 7_000_000)], unit_axis="Trị giá theo đơn vị",
                    trend_axis="Trị giá theo tháng", money_label="triệu đồng", others_label="{count} đơn vị khác")
    assert png.startswith(b"\x89PNG")
