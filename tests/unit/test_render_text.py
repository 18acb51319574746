"""The one renderer of message texts: services hand over spans, only bot/presentation/render.py writes HTML."""

from __future__ import annotations

from bot.domain.spans import Text, bold, italic, text, underline
from bot.presentation.render import to_html


def test_spans_become_tags_and_every_span_is_escaped_once() -> None:
    body = Text().add(bold("📊 <Hội & Đoàn>")).add(italic("a · b"), " x").add().add(underline("Bà \"Tư\""), ": 1 < 2")
    assert to_html(body) == ("<b>📊 &lt;Hội &amp; Đoàn&gt;</b>\n<i>a · b</i> x\n\n"
                             "<u>Bà &quot;Tư&quot;</u>: 1 &lt; 2")
    assert body.plain() == "📊 <Hội & Đoàn>\na · b x\n\nBà \"Tư\": 1 < 2"


def test_a_long_text_ends_after_its_last_whole_line_with_the_overflow_line() -> None:
    body = Text()
    for number in range(10):
        body.add(f"line {number}")
    assert to_html(body, limit=20, overflow=text("…")) == "line 0\nline 1\n…"
    assert to_html(body, limit=1000, overflow=text("…")) == to_html(body)
