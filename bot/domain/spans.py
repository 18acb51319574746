"""Message text as plain data: lines of spans, each plain, bold, italic, underlined or code.

Why: the domain must not know Telegram. A service says which words are emphasised; the one renderer
(bot/presentation/render.py) turns a `Text` into Telegram's HTML, escaping every span there and nowhere else,
so no service writes a tag or forgets to escape a name a user typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter
from typing import Literal

Style = Literal["plain", "bold", "italic", "underline", "code"]
"""`code`: text to type as shown (an example line), drawn in a fixed-width font."""


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = "plain"


Line = tuple[Span, ...]
Part = str | Span
"""A plain string in a line is a plain span."""


def bold(text: str) -> Span:
    return Span(text, "bold")


def italic(text: str) -> Span:
    return Span(text, "italic")


def underline(text: str) -> Span:
    return Span(text, "underline")


def code(text: str) -> Span:
    """Something to type exactly as shown ("/link 4F7K2Q"), set apart in a fixed-width font."""
    return Span(text, "code")


def line(*parts: Part) -> Line:
    return tuple(part if isinstance(part, Span) else Span(part) for part in parts)


@dataclass
class Text:
    """Lines shown one under the other (a span may itself hold line breaks)."""

    lines: list[Line] = field(default_factory=list)

    def add(self, *parts: Part) -> Text:
        """Append one line made of `parts`; returns the text, to chain."""
        self.lines.append(line(*parts))
        return self

    def extend(self, other: Text | list[Line]) -> Text:
        self.lines.extend(other.lines if isinstance(other, Text) else other)
        return self

    def plain(self) -> str:
        """The words without emphasis (for files and logs, or a test that reads the words)."""
        return "\n".join("".join(span.text for span in row) for row in self.lines)


def text(*parts: Part) -> Text:
    """A one-line text."""
    return Text().add(*parts)


def fill(template: str, **values: object) -> list[Part]:
    """A translated `template` with its {placeholders} filled in, as the parts of one line: a value that is
    a `Span` keeps its style ("…household {code}: {name}?" with `name=bold(…)`), so emphasis stays out of
    the translation strings while the translator still places every word."""
    parts: list[Part] = []
    for literal, name, spec, conversion in Formatter().parse(template):
        if literal:
            parts.append(literal)
        if name is None:
            continue
        value = values[name]
        if isinstance(value, Span):
            parts.append(value)
        else:
            shown = repr(value) if conversion == "r" else value
            parts.append(format(shown, spec or ""))
    return parts
