"""The per-user totals view: written and read in one place, and forgiving of what older versions stored."""

from __future__ import annotations

import json

from bot.domain.screen import Screen, button
from bot.domain.spans import bold
from bot.domain.spans import text as one_line
from bot.domain.totals.view import TotalsView
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


def test_every_verb_renders_to_a_codec_button() -> None:
    samples = {"totals.choose": ("P",), "totals.by": ("org",), "totals.excel": (), "totals.report": (),
               "drill": ("rice", 0), "duplicate": ("same", 7),
               "totals.period": ("m0",), "totals.dates": (), "totals.unit": (3,), "totals.organisation": (None,),
               "totals.category": ("rice",), "totals.back": (), "record.ask": (7,), "question.cancel": (),
               "units.page": ("st", 2), "units.find": ("st",), "units.all": ("st",),
               "period.preset": ("h1", 2027), "submit.confirm": (4,), "submit.not_now": (),
               "review.save": (), "review.skip": (), "review.cancel": (), "submit": (4,), "question.fix": (7,),
               "question.confirm": (3,), "question.reply": (3,)}
    assert set(samples) == set(VERBS)
    text, markup = render(Screen(one_line(bold("x")),
                                 [[button(verb, verb, *values)] for verb, values in samples.items()]))
    assert text == "<b>x</b>"
    data = [row[0].callback_data for row in markup.inline_keyboard]
    assert data == ["tot:P", "tot:b:org", "tot:xlsx", "tot:docx", "drill:rice:0", "dup:same:7",
                    "tot:p:m0", "tot:R", "tot:u:3", "tot:o:*", "tot:c:rice", "tot:x", "rq:ask:7", "rq:x",
                    "ul:pg:st:2", "ul:find:st", "ul:all:st", "rp:preset:h1:2027", "rp:ok:4", "rp:no",
                    "rv:save", "rv:skip", "rv:cancel", "rp:sub:4", "hist:fix:7", "rq:ok:3", "rq:reply:3"]
    assert render(Screen(one_line("plain"))) == ("plain", None)
