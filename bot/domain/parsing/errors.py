"""The one error the parsing package raises for text it cannot read."""

from __future__ import annotations


class NumberError(ValueError):
    """A figure or date that cannot be read; `reason` is machine-readable for translated replies.

    Reasons: "empty", "not_a_number", "negative", "zero", "too_large", "too_many_decimals",
    "not_a_date", "future". `text` is the offending input, for the reply.
    """

    def __init__(self, reason: str, text: str = "") -> None:
        super().__init__(f"{reason}: {text!r}" if text else reason)
        self.reason = reason
        self.text = text
