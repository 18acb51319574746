"""What a person is told about themselves, as screens: the welcome (/start, an invite redeemed), /help,
/me, /language, and the words for strangers and closed accounts.

Why here: the same words will greet a person on every channel; what they may do comes from the command
table, which the handler hands in (`Commands`: the /help lines of a person, from handlers/registry.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot.domain.people.access import RedeemOutcome, RedeemResult, redeem_invite
from bot.domain.people.describe import describe_person
from bot.domain.people.directory import BLOCKED
from bot.domain.records.action_text import Localised
from bot.domain.screen import Screen, button, screen_of
from bot.domain.spans import Text, bold, fill
from bot.i18n import Translator
from db.models import User

Commands = Callable[[User | None], list[str]]
"""The /help lines (one a command) of a person: what their role may use."""

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def no_access_text(t: Translator) -> str:
    return t(
        "Hello! Chung Tay helps commune and association staff record support for poor households "
        "and report it to the district.\n\n"
        "You do not have access yet. Please ask the officer in charge at your supervising unit "
        "(e.g. the district Labour, Invalids and Social Affairs office) for an invite link, then open it."
    )


def inactive_text(t: Translator, user: User) -> str:
    """What a known but inactive user is told: how to come back depends on why they are inactive."""
    if user.deactivated_reason == BLOCKED:
        return t("Welcome back! Send /start to turn your account on again.")
    return t("Your access to Chung Tay has been closed by your supervising unit. "
             "If you still need it, please ask the officer in charge for a new invite link, then open it.")


def main_menu(t: Translator) -> tuple[str, ...]:
    """The buttons under the text box of a registered user: the everyday actions, one tap away."""
    return "📝 " + t("Log support"), "📜 " + t("History"), "📊 " + t("Totals")


def help_text(t: Translator, user: User | None, commands: Commands) -> Text:
    """What this person can do, by role, from the command table (strangers only learn how to get access)."""
    if user is None:
        return Text().add(no_access_text(t))
    body = Text().add(*fill(t("{name} — recording support for poor households."), name=bold("Chung Tay"))).add()
    for line in commands(user):
        body.add(line)
    return body


def help_screen(*, t: Translator, viewer: User | None, commands: Commands) -> Screen:
    """/help."""
    return Screen(help_text(t, viewer, commands))


def start_screen(*, t: Translator, viewer: User | None, commands: Commands) -> Screen:
    """/start without an invite: hello again with the help and the main menu, or how to get access."""
    if viewer is None or not viewer.active:
        return screen_of(no_access_text(t) if viewer is None else inactive_text(t, viewer))
    body = Text().add(t("Hello {name}! Good to see you again.").format(name=viewer.display_name)).add()
    return Screen(body.extend(help_text(t, viewer, commands)), menu=main_menu(t))


def join_screen(session: Session, *, names: Localised, token: str, telegram_id: int, display_name: str,
                now: datetime, commands: Commands) -> tuple[RedeemResult, Screen]:
    """/start with an invite: redeemed (who they are now, the help and the main menu), or why not."""
    t = names.t
    result = redeem_invite(session, token=token, telegram_id=telegram_id, display_name=display_name,
                           locale=t.locale, now=now)
    if result.outcome is RedeemOutcome.REGISTERED and result.user is not None:
        role, unit, organisation = describe_person(session, names, result.user)
        body = Text().add(t("Welcome, {name}! You are registered as {role} of {unit} (organisation: "
                            "{organisation}).").format(name=result.user.display_name, role=role, unit=unit,
                                                       organisation=organisation)).add()
        return result, Screen(body.extend(help_text(t, result.user, commands)), menu=main_menu(t))
    if result.outcome is RedeemOutcome.ALREADY_REGISTERED:
        body = Text().add(t("You are already registered; this invite was not used.")).add()
        return result, Screen(body.extend(help_text(t, result.user, commands)))
    reason = {
        RedeemOutcome.UNKNOWN: t("This invite link is not valid."),
        RedeemOutcome.USED: t("This invite link has already been used."),
        RedeemOutcome.EXPIRED: t("This invite link has expired."),
        RedeemOutcome.REVOKED: t("This invite link has been withdrawn by the person who created it."),
        RedeemOutcome.MAKER_GONE: t("This invite link no longer works: the person who made it no longer has "
                                    "the right to invite for this role and unit."),
        RedeemOutcome.CLOSED_ABOVE: t("Your access was closed at a higher level than this invite's; only that "
                                      "level can open it again."),
    }[result.outcome]
    return result, screen_of(reason + " " + t("Please ask the person who invited you for a new link."))


def me_screen(session: Session, *, viewer: User, names: Localised) -> Screen:
    """/me: who the bot thinks the person is."""
    t = names.t
    role, unit, organisation = describe_person(session, names, viewer)
    return Screen(Text().add(bold(t("Your account")))
                  .add(t("Name: {name}").format(name=viewer.display_name))
                  .add(t("Role: {role}").format(role=role))
                  .add(t("Unit: {unit}").format(unit=unit))
                  .add(t("Organisation: {organisation}").format(organisation=organisation))
                  .add(t("Language: {language}").format(language=LANGUAGE_NAMES[viewer.locale])))


def language_screen(t: Translator) -> Screen:
    """/language: the two languages as buttons."""
    return screen_of(t("Choose your language:"),
                     rows=[[button(name, "language", code) for code, name in LANGUAGE_NAMES.items()]])


def language_set_screen(t: Translator, code: str) -> Screen:
    return screen_of(t("Language set to {language}.").format(language=LANGUAGE_NAMES[code]))
