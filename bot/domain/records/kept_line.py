"""The question asked about a typed line that reads both as an entry and as a question about totals
("vay vốn 10 hộ 500tr?"): 📝 record it, or 📊 see totals. The line itself waits in the handler's
user_data (handlers/kept_line.py), so the officer never types it again."""

from __future__ import annotations

from bot.domain.screen import Screen, button, screen_of
from bot.i18n import Translator


def kept_line_screen(t: Translator) -> Screen:
    return screen_of(t("Is this a new entry to record, or a question about the totals? Your line is kept."),
                     rows=[[button("📝 " + t("Record it"), "kept.entry"),
                            button("📊 " + t("See totals"), "kept.totals")]])
