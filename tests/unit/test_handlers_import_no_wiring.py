"""Handlers, the presentation and the domain import nothing of the wiring (the jobs, the outbox sender,
the digest queue, the Application, the channels…), and the domain and the presentation nothing of the
handlers: not at the top, not inside a function, not for type checking only. The wiring lends what they
need through bot/presentation/hooks.py instead."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIRING = ("bot.app", "bot.main", "bot.__main__", "bot.cli", "bot.cli_people", "bot.jobs", "bot.outbox_sender",
          "bot.digest_outbox", "bot.telegram_bot", "bot.webhook", "bot.persistence", "bot.unasked", "bot.web",
          "bot.zalo", "bot.sandbox", "bot.ops")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def _offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line} imports {name}"
            for path in sorted((ROOT / folder).rglob("*.py")) for line, name in _imports(path)
            if any(name == top or name.startswith(top + ".") for top in forbidden)]


def test_handlers_import_no_wiring() -> None:
    assert _offending("handlers", WIRING) == []


def test_the_presentation_and_the_domain_import_neither_handlers_nor_wiring() -> None:
    assert _offending("bot/presentation", (*WIRING, "handlers")) == []
    assert _offending("bot/domain", (*WIRING, "handlers", "bot.presentation")) == []
