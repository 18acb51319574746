"""A profile of the bot's side of the chat-path benchmark (`bench/chat_path.py --profile`): cProfile time
grouped by package, and the SQL statements per update with the code that issued each, because the CPU of
a chat update is mostly in how often the database is asked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


class Profiler:
    """`--profile`: cProfile and a count of SQL statements in the bot process, from the driver's RESET
    line (after start-up and enrolment) to the end; printed to stderr."""

    def __init__(self) -> None:
        import cProfile

        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.profile = cProfile.Profile()
        self.statements: dict[str, int] = {}
        self.callers: dict[tuple[str, str], int] = {}
        event.listen(Engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = " ".join(statement.split())[:90]
        self.statements[words] = self.statements.get(words, 0) + 1
        where = self._caller()
        self.callers[(words, where)] = self.callers.get((words, where), 0) + 1

    @staticmethod
    def _caller() -> str:
        """The innermost two frames of the project's own code (bot/, handlers/, db/) that led to a statement."""
        frames = []
        frame = sys._getframe(2)
        while frame is not None and len(frames) < 2:
            path = frame.f_code.co_filename
            if path.startswith(str(REPO)) and "/bench/" not in path and "/.venv/" not in path:
                frames.append(f"{path.removeprefix(str(REPO) + '/')}:{frame.f_lineno} {frame.f_code.co_name}")
            frame = frame.f_back  # type: ignore[assignment]
        return " < ".join(frames) or "?"

    def reset(self) -> None:
        self.statements.clear()
        self.callers.clear()
        self.profile.enable()

    def report(self, updates: int) -> None:
        import io
        import pstats

        self.profile.disable()
        total = sum(self.statements.values())
        out = sys.stderr
        print(f"PROFILE: {total} SQL statements for {updates} updates = {total / max(1, updates):.1f} a update",
              file=out)
        for statement, count in sorted(self.statements.items(), key=lambda item: -item[1])[:25]:
            print(f"  {count / max(1, updates):6.2f}/update  {statement}", file=out)
        print("PROFILE: where the statements come from:", file=out)
        for (statement, where), count in sorted(self.callers.items(), key=lambda item: -item[1])[:40]:
            print(f"  {count / max(1, updates):6.2f}/update  {statement[:40]}  <- {where}", file=out)
        print("PROFILE: own time (tottime) by package, idle epoll excluded:", file=out)
        groups: dict[str, float] = {}
        stats = pstats.Stats(self.profile)
        for (path, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
            if function == "<method 'poll' of 'select.epoll' objects>":
                continue
            groups[_package(path, function)] = groups.get(_package(path, function), 0.0) + row[2]
        whole = sum(groups.values())
        for name, seconds in sorted(groups.items(), key=lambda item: -item[1]):
            print(f"  {100 * seconds / whole:5.1f}%  {1000 * seconds / max(1, updates):6.2f} ms/update  {name}",
                  file=out)
        for order in ("tottime", "cumulative"):
            buffer = io.StringIO()
            pstats.Stats(self.profile, stream=buffer).sort_stats(order).print_stats(30)
            print(buffer.getvalue(), file=out)
        buffer = io.StringIO()
        pstats.Stats(self.profile, stream=buffer).print_callers(r"\(_find_and_load\)")
        print(buffer.getvalue(), file=out)


def _package(path: str, function: str) -> str:
    """Group a profiled function by where it lives, for the 'where the CPU goes' table."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if str(REPO) in path:
        return path.removeprefix(str(REPO) + "/").split("/", 1)[0] + "/ (Chung Tay)"
    if path == "~":
        return "builtins: " + ("sqlite3" if "sqlite3" in function else "socket" if "socket" in function else "other")
    return "stdlib: " + Path(path).stem
