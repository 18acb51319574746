"""The command table is complete and consistent: every command is handled, named as Telegram allows,
described in both languages, and the menus and /help follow the roles."""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.i18n import get_translator
from db.models import Role
from handlers.menu import commands_for
from handlers.registry import MANAGERS, STRANGER, command_table, help_lines
from tests.support.harness import BotUnderTest


def _commands(handlers: list[BaseHandler[Any, Any, Any]]) -> set[str]:
    names: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            names |= set(handler.commands)
        elif isinstance(handler, ConversationHandler):
            names |= _commands(list(handler.entry_points))
    return names


def test_names_are_unique_and_telegram_commands() -> None:
    names = [c.name for c in command_table()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name in names)


async def test_every_command_of_the_table_has_a_handler(bot: BotUnderTest) -> None:
    assert bot.application is not None
    registered = set().union(*(_commands(group) for group in bot.application.handlers.values()))
    assert {c.name for c in command_table()} <= registered
    assert registered <= {c.name for c in command_table()}, "a command was registered outside the table"


def test_menus_and_help_follow_the_roles_in_both_languages() -> None:
    for locale in ("vi", "en"):
        t = get_translator(locale)
        assert [c.command for c in commands_for(STRANGER, locale)] == ["start", "help"]
        for role in (Role.REPORTER, Role.SUPERVISOR, Role.ADMIN):
            menu = commands_for(role, locale)
            assert menu[0].command == "help" and "start" not in [c.command for c in menu]
            assert all(0 < len(c.description) <= 256 for c in menu)
            shown = {c.command for c in menu}
            assert all((c.name in shown) == (role in c.roles) for c in command_table()
                       if c.menu is not None and c.name != "start")
            lines = help_lines(t, role)
            managers_only = [c for c in command_table() if c.roles == MANAGERS and c.help]
            assert all((t(c.help) in lines) == (role in MANAGERS) for c in managers_only)
    assert get_translator("vi")("Log support given") != "Log support given", "menus are translated"
