"""The one table of commands: who may use each, where it shows, and what /help says about it.

Everything that used to list commands by hand is generated from `command_table()`: the
CommandHandler registrations (bot/handlers_wiring.py), /help per role, the `set_my_commands` menus in
both languages and per role (handlers/menu.py), and the gate that runs before every handler
(handlers/gate.py), which refuses a command to a role that may not use it and keeps group chats free
of personal data. Adding a command means adding one `Command(...)` line here and its handler to
`COMMAND_HANDLERS` in bot/handlers_wiring.py (tests/e2e/test_registry.py fails until both are there).

The table names no handler function: /help and the menus are handlers themselves and read this table,
so a table that imported the handlers would make every handler import every other one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.domain.permissions import EVERYONE, MEMBERS, ROLES, STRANGER, SUPERVISORS, audience_of
from bot.i18n import N_, Translator

Audience = str
"""One row of the table: a Role value, or STRANGER (the audiences themselves are bot/domain/permissions.py's)."""

ANYONE = EVERYONE
MANAGERS = SUPERVISORS
__all__ = ["ANYONE", "MANAGERS", "MEMBERS", "ROLES", "STRANGER", "Audience", "Command", "Menu", "audience_of",
           "command_table", "commands_by_name", "help_lines", "menu_entries"]

FOR_SUPERVISORS = N_("Sorry, this command is for supervising units.")


@dataclass(frozen=True)
class Menu:
    """Where a command shows in the `set_my_commands` menu: its description (msgid) and its place
    (`rank`, ascending; the ranks leave gaps of 10 for new commands). `audience` narrows who sees it
    (e.g. /start only for strangers); by default everyone who may use the command sees it."""

    description: str
    rank: int
    audience: frozenset[Audience] | None = None


@dataclass(frozen=True)
class Command:
    """One command.

    - `name`: without the slash.
    - its handler is registered by the wiring (bot/handlers_wiring.py `COMMAND_HANDLERS`), or, for the
      entry point of a ConversationHandler (/log, /invite, /review), by that conversation; the gate
      guards it either way.
    - `roles`: who may use it (an audience of bot/domain/permissions.py, checked by the gate with
      `may(person, Do.USE, roles)`); STRANGER for people not registered. Anyone else gets `refusal`
      (a msgid; strangers always get the "no access yet" explanation instead).
    - `private_only`: in a group chat the gate answers with a pointer to the private chat and the
      handler never runs. False would let the command run in groups (none does today: in groups the
      bot posts no household data, figures or files).
    - `help`: the /help line (msgid), shown to the roles that may use the command, in table order;
      None when another command's line covers it.
    - `menu`: placement in the command menu, or None to keep it out of the menu.
    """

    name: str
    roles: frozenset[Audience]
    help: str | None = None
    menu: Menu | None = None
    refusal: str = FOR_SUPERVISORS
    private_only: bool = True


@functools.cache
def command_table() -> tuple[Command, ...]:
    """Every command, in /help order (the menu has its own order, see `Menu.rank`)."""
    return (
        Command("start", ANYONE,
                menu=Menu(N_("Start / open an invite"), 0, frozenset({STRANGER}))),
        Command("log", MEMBERS,
                help=N_("/log or 📝 — log support given (or just write one line, e.g. “gạo 45 hộ 5410kg "
                        "81,15tr”); ⚠️ on the card: a figure far from the usual (kg per household, value per "
                        "gift…), fix it with ✏️ or save it marked for your supervisor"),
                menu=Menu(N_("Log support given"), 20)),
        Command("history", MEMBERS,
                help=N_("/history or 📜 — recent entries, to correct or void them"),
                menu=Menu(N_("Recent entries: correct or void"), 30)),
        Command("undo", MEMBERS, help=N_("/undo — void your last entry"),
                menu=Menu(N_("Void your last entry"), 40)),
        Command("totals", MEMBERS,
                help=N_("/totals or 📊 — totals by period, unit, organisation and kind, with 🔎 the records "
                        "behind them; or just ask, e.g. “tổng gạo quý này”"),
                menu=Menu(N_("Totals for a unit and period"), 50)),
        Command("export", MEMBERS,
                help=N_("/export — the figures as an Excel file; /report — a draft report (DOCX)"),
                menu=Menu(N_("Figures as an Excel file"), 60)),
        Command("report", MEMBERS, menu=Menu(N_("Draft report (DOCX)"), 70)),
        Command("review", MEMBERS,
                help=N_("/review — the poverty review's figures (households, poor, near-poor, escaped, newly poor), "
                        "step by step; or one line “rà soát 2026: 1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 23, "
                        "phát sinh 4”; or a sheet named “rà soát” with one row per commune"),
                menu=Menu(N_("Poverty review figures"), 75)),
        Command("digest", MANAGERS,
                help=N_("/digest — the digest of the units under yours; /digest_schedule — e.g. “thứ 2 7:30”"),
                menu=Menu(N_("Digest of the units under yours, now"), 80),
                refusal=N_("Digests are for supervising units. Use /totals for your figures.")),
        Command("digest_schedule", MANAGERS, menu=Menu(N_("When the digest is sent"), 90),
                refusal=N_("Digests are for supervising units. Use /totals for your figures.")),
        Command("submit", MEMBERS,
                help=N_("/submit — confirm (chốt) your unit's figures for a reporting period"),
                menu=Menu(N_("Submit the figures of a reporting period"), 100)),
        Command("period", MANAGERS,
                help=N_("/period — reporting periods and deadlines; /status — who has reported; "
                        "/target — targets; /reopen — reopen a submission"),
                menu=Menu(N_("Reporting periods and deadlines"), 110),
                refusal=N_("Reporting periods are set by supervising units.")),
        Command("status", MANAGERS, menu=Menu(N_("Who has reported, on time or late"), 120),
                help=N_("❓ under a record (🔎 in /totals, /history, /suspects) — send a doubtful record back to its "
                        "author with a question; the open questions are in /status and the digest until answered"),
                refusal=N_("Reporting status is for supervising units. Use /submit to submit your figures.")),
        Command("dashboard", MANAGERS,
                help=N_("/dashboard or 📊 Bảng theo dõi — the dashboard: who has reported, figures month by month, "
                        "records to check, files"),
                menu=Menu(N_("📊 Dashboard: reporting, figures, records to check"), 125),
                refusal=N_("The dashboard is for supervising units. Use /totals for your figures.")),
        Command("target", MANAGERS, menu=Menu(N_("Set a target"), 130),
                refusal=N_("Targets are set by supervising units.")),
        Command("reopen", MANAGERS, menu=Menu(N_("Reopen a unit's submission"), 140),
                refusal=N_("Only supervisors can reopen a submission.")),
        Command("household", MEMBERS,
                help=N_("/household — a household of the register and what it received; send a CSV/XLSX list "
                        "to import"),
                menu=Menu(N_("Find a household and what it received"), 150)),
        Command("household_add", MEMBERS),
        Command("household_erase", MANAGERS,
                help=N_("/household_erase — erase a household's personal details (the figures stay)"),
                menu=Menu(N_("Erase a household's personal details"), 155),
                refusal=N_("Only a supervisor of the household's unit or a unit above it can erase its details.")),
        Command("unreached", MEMBERS,
                help=N_("/unreached — poor and near-poor households not yet supported"),
                menu=Menu(N_("Households not yet supported"), 160)),
        Command("suspects", MANAGERS,
                help=N_("/suspects — possible double counts to resolve"),
                menu=Menu(N_("Possible double counts"), 170)),
        Command("me", MEMBERS, help=N_("/me — your role, unit and organisation"),
                menu=Menu(N_("Your role, unit and organisation"), 180)),
        Command("zalo", MEMBERS),  # docs/officials.md, "Zalo"; not in /help while Zalo is optional
        Command("kenh", MEMBERS,
                help=N_("/kenh — where reminders and digests go: the channel you used last, Telegram or Zalo"),
                menu=Menu(N_("Where reminders go: Telegram or Zalo"), 185)),
        Command("language", MEMBERS,
                help=N_("/language — switch between Tiếng Việt and English"),
                menu=Menu(N_("Language: Tiếng Việt / English"), 200)),
        Command("invite", MANAGERS, help=N_("/invite — invite a colleague of your unit or a unit under it"),
                menu=Menu(N_("Invite a colleague"), 190),
                refusal=N_("Only supervisors and administrators can invite new users.")),
        Command("users", MANAGERS,
                help=N_("/users — the people of your units: deactivate, change role or unit; "
                        "/invites — open invites, to revoke"),
                menu=Menu(N_("People of your units"), 175),
                refusal=N_("Only supervisors and administrators can manage people.")),
        Command("invites", MANAGERS, menu=Menu(N_("Open invites: revoke"), 177),
                refusal=N_("Only supervisors and administrators can manage people.")),
        Command("cancel", MEMBERS, help=N_("/cancel — stop what you are doing"),
                menu=Menu(N_("Cancel what you are doing"), 210)),
        Command("help", ANYONE, help=N_("/help — this list"),
                menu=Menu(N_("What the bot can do"), 10)),
    )


@functools.cache
def commands_by_name() -> dict[str, Command]:
    return {command.name: command for command in command_table()}


def help_lines(t: Translator, audience: Audience) -> list[str]:
    """The /help lines this audience may use, in table order, translated."""
    return [t(c.help) for c in command_table() if c.help is not None and audience in c.roles]


def menu_entries(audience: Audience) -> list[tuple[str, str]]:
    """(command, description msgid) of the menu this audience sees, in menu order."""
    shown = [c for c in command_table()
             if c.menu is not None and audience in (c.menu.audience or c.roles)]
    return [(c.name, c.menu.description) for c in sorted(shown, key=lambda c: c.menu.rank if c.menu else 0)
            if c.menu is not None]
