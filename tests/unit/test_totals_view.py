"""The per-user totals view: written and read in one place, and forgiving of what older versions stored."""

from __future__ import annotations

import json

from bot.domain.screen import Screen, button
from bot.domain.spans import bold
from bot.domain.spans import text as one_line
from bot.domain.totals.view import TotalsView
from bot.presentation import callbacks as cb
from bot.presentation.render import VERBS, render


def test_view_survives_the_json_round_trip() -> None:
    view = TotalsView(period="q-1", unit=12, org="womens_union", cat="rice", by="unit", metric="households",
                      ask=["unit", "period"], choices_cat=["rice", "gift"], choices_unit=[3, 4])
    assert TotalsView.from_data(json.loads(json.dumps(view.to_data()))) == view


def test_view_reads_old_or_damaged_data_as_defaults() -> None:
    assert TotalsView.from_data(None) == TotalsView()
    assert TotalsView.from_data({"period": None, "unit": "7", "by": "village", "ask": ["cat", "x"]}) == \
        TotalsView(ask=["cat"])
    assert TotalsView.from_data({"period": "m-1", "org": "", "metric": "persons"}) == \
        TotalsView(period="m-1", metric="persons")


def test_the_totals_verbs_render_to_their_codec_buttons() -> None:
    samples = {"totals.choose": ("P",), "totals.by": ("org",), "totals.excel": (), "totals.report": (),
               "drill": ("rice", 0), "duplicate": ("same", 7)}
    assert set(samples) <= set(VERBS)
    text, markup = render(Screen(one_line(bold("x")),
                                 [[button(verb, verb, *values)] for verb, values in samples.items()]))
    assert text == "<b>x</b>"
    data = [row[0].callback_data for row in markup.inline_keyboard]
    assert data == ["tot:P", "tot:b:org", "tot:xlsx", "tot:docx", "drill:rice:0", "dup:same:7"]
    assert render(Screen(one_line("plain"))) == ("plain", None)


def sample_value(kind: cb.Field) -> str | int | None:
    """The smallest value a field kind accepts (so every verb can be drawn without a hand-kept table)."""
    if isinstance(kind, cb.OrNone):
        return None
    if isinstance(kind, cb.Number):
        return int(kind.low)
    if isinstance(kind, cb.Choice):
        return str(sorted(kind.values)[0])
    if isinstance(kind, cb.Code):
        return (kind.prefixes[0] if kind.prefixes else "") + "a"
    raise AssertionError(f"no sample for {type(kind).__name__}")


def test_every_verb_renders_to_a_button_that_decodes_back() -> None:
    rows = []
    for verb, make in VERBS.items():
        action_type = make if isinstance(make, type) else None
        assert action_type is not None and issubclass(action_type, cb.Action), verb
        rows.append([button(verb, verb, *(sample_value(kind) for _, kind in action_type.FIELDS))])
    _, markup = render(Screen(one_line("x"), rows))
    pressed = [cb.decode(row[0].callback_data) for row in markup.inline_keyboard]
    assert [type(action) for action in pressed] == list(VERBS.values())
