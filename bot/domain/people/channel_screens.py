"""/zalo and /kenh as screens: the one-time code that lets a registered user use the bot on Zalo as
themselves, and where the messages the bot sends on its own go for a person on both channels.

The rules are in bot/domain/people/channel_links.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.people.channel_links import choose_route, create_code, current_route, linked_account
from bot.domain.screen import Screen, button, screen_of
from bot.domain.spans import Text, code, fill
from bot.i18n import N_, Translator
from db.models import User

ROUTE_NAMES = {
    "last": N_("The channel I used last"),
    "telegram": N_("Always Telegram"),
    "zalo": N_("Always Zalo"),
}
ROUTE_DONE = {
    "last": N_("Done: reminders and digests will go to the channel you used last."),
    "telegram": N_("Done: reminders and digests will always go to Telegram, wherever you write."),
    "zalo": N_("Done: reminders and digests will always go to Zalo, wherever you write."),
}


def link_code_screen(session: Session, *, viewer: User, t: Translator, now: datetime, zalo_enabled: bool) -> Screen:
    """/zalo: a fresh code and what to send on Zalo."""
    if not zalo_enabled:
        return screen_of(t("This bot is not set up on Zalo."))
    made = create_code(session, user=viewer, now=now)
    return Screen(Text().add(*fill(t("To use Chung Tay on Zalo as yourself (same role and unit), open the bot on "
                                     "Zalo and send:\n{command}\nThe code works once, for 15 minutes."),
                                   command=code(f"/link {made}"))))


def channel_screen(session: Session, *, viewer: User, t: Translator) -> Screen:
    """/kenh: the three choices, the current one marked; or how to link a Zalo account first."""
    identity = linked_account(session, user=viewer)
    if identity is None:
        return screen_of(t("Reminders and digests come here: you have not linked a Zalo account. To use the bot on "
                           "Zalo too, send /zalo on Telegram and follow the steps; then /kenh lets you choose."))
    current = current_route(identity)
    return screen_of(t("Where should reminders, digests and other messages the bot sends on its own go?\n"
                       "Now: {current}.").format(current=t(ROUTE_NAMES[current])),
                     rows=[[button(("• " if route == current else "") + t(name), "route", route)]
                           for route, name in ROUTE_NAMES.items()])


def set_channel_screen(session: Session, *, viewer: User, t: Translator, route: str) -> tuple[Screen, bool]:
    """The choice stored, and whether it was (False: no Zalo account is linked any more)."""
    identity = linked_account(session, user=viewer)
    if identity is None:
        return screen_of(t("You have not linked a Zalo account. Send /zalo on Telegram first.")), False
    choose_route(session, identity=identity, route=route)
    return screen_of(t(ROUTE_DONE[route])), True
