"""The digest's chart: value per child unit (bars) and the trend by month (line), as a PNG.

It runs in the chart process (bot/domain/reports/chart_worker.py), never in the bot's own: matplotlib costs about
30 MiB of resident memory, and drawing is pure interpreter time that, in a thread of the bot, would hold
the GIL and so the event loop. The bot imports this module only to name the function the child runs, so
matplotlib is imported inside the function, and the module imports nothing of the bot but the number
formatter (no database, no Telegram: the child stays small). Inputs are plain data (labels, integer đồng,
a locale), the output PNG bytes, so both cross the process boundary as they are.

matplotlib's object API with the Agg canvas: no pyplot global state, no display needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from bot.domain.formatting import format_number


def chart_png(*, title: str, units: Sequence[tuple[str, int]], trend: Sequence[tuple[str, int]],
              unit_axis: str, trend_axis: str, money_label: str, locale: str = "vi") -> bytes:
    """Two panels: value per child unit (bars) and value by month (line), in millions of đồng.

    800 × 640 pixels (plenty for a phone) with margins set from the longest unit name instead of
    `tight_layout`, which draws the whole figure once more to measure it: together about half the
    rendering time of a digest's chart.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy: matplotlib, chart process only
    from matplotlib.figure import Figure  # heavy: matplotlib, chart process only
    from matplotlib.ticker import FuncFormatter  # heavy: matplotlib, chart process only

    # Axis marks in the one number style ("1.500", "2,5"): the bars' exact figures are in the text.
    ticks = FuncFormatter(lambda value, _position: format_number(Decimal(str(float(value))), locale, max_decimals=3))
    figure = Figure(figsize=(10, 8), dpi=80)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    labels = [label for label, _ in units]
    longest = max((len(label) for label in labels), default=0)
    figure.subplots_adjust(left=min(0.45, 0.05 + 0.0085 * longest), right=0.97, top=0.9, bottom=0.07, hspace=0.38)
    top.barh(labels[::-1], [value / 1e6 for _, value in units][::-1], color="#2f6f9f")
    top.set_title(unit_axis)
    top.set_xlabel(money_label)
    top.xaxis.set_major_formatter(ticks)
    bottom.plot([label for label, _ in trend], [value / 1e6 for _, value in trend], marker="o", color="#c0392b")
    bottom.set_title(trend_axis)
    bottom.set_ylabel(money_label)
    bottom.yaxis.set_major_formatter(ticks)
    bottom.set_ylim(bottom=0)
    figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
