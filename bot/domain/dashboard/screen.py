"""/dashboard as a screen: the button that opens the supervisors' dashboard (a Telegram Mini App,
bot/web/), or why it is not there yet."""

from __future__ import annotations

from bot.domain.screen import WEB_APP, Screen, button, screen_of
from bot.i18n import Translator


def dashboard_label(t: Translator) -> str:
    """The button's words (also on the chat's menu button)."""
    return t("📊 Dashboard")


def dashboard_screen(t: Translator, *, url: str | None) -> Screen:
    if not url:
        return screen_of(t("The dashboard is not switched on for this bot yet. Ask the operator to set "
                           "DASHBOARD_URL; meanwhile /status and /totals show the same figures."))
    return screen_of(t("The whole picture of the units under yours: who has reported, the figures month by month, "
                       "and the records waiting for an answer. Tap the button (it is also in the menu beside the "
                       "text box)."), rows=[[button(dashboard_label(t), WEB_APP, url)]])
