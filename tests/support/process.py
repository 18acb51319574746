"""The real bot as a separate process (`python -m bot`), talking to an in-process fake Bot API.

Crash tests and the chaos run (bench/chaos.py) need what the in-process harness cannot give: a
SIGKILL, which runs no `finally`, flushes nothing and closes no connection. `BotProcess` starts the
entry point `make run` uses, knows it is serving once it polls the fake server (event-based: a new
getUpdates call), and kills it. `ProcessChat` is a user's private chat with that process: it injects an
update and waits for the bot's first visible answer (a new or edited message, or a toast), without
access to the Application.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.sandbox.fake_api import FakeTelegram, FakeUser, SentMessage

REPO = Path(__file__).resolve().parents[2]
TEST_TOKEN = "123456789:TEST-token-for-the-fake-api"


class BotProcess:
    """`python -m bot` against `fake`, on `database_url`; start, SIGKILL, start again."""

    def __init__(self, fake: FakeTelegram, database_url: str, *, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.fake = fake
        self.database_url = database_url
        self.log_path = log_path
        self.extra_env = env or {}
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None

    async def start(self, timeout: float = 60.0) -> None:
        """Spawn the bot and return once it polls for updates (after migrations and post_init)."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
               "TELEGRAM_API_BASE_URL": self.fake.base_url, "DATABASE_URL": self.database_url,
               "LOG_LEVEL": "WARNING", **self.extra_env}
        polls = len(self.fake.calls_to("getUpdates"))
        self._log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=REPO, env=env, stdout=self._log, stderr=self._log)
        self.starts += 1
        process = self.process

        def polling() -> bool:
            if process.returncode is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}; see {self.log_path}")
            return len(self.fake.calls_to("getUpdates")) > polls

        waiter = asyncio.ensure_future(process.wait())
        try:
            await self.fake.wait_until(polling, timeout, "the bot process to poll for updates")
        finally:
            waiter.cancel()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.returncode is None:
            os.kill(process.pid, signal.SIGKILL)
        await process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    async def restart(self) -> None:
        await self.kill()
        await self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class ProcessChat:
    """A private chat between one fake user and the bot process."""

    fake: FakeTelegram
    user: FakeUser
    answers_seen: int = field(default=0)

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages.get(self.user.id, [])

    @property
    def last(self) -> SentMessage:
        return self.messages[-1]

    def _snapshot(self) -> tuple[int, dict[int, int], int]:
        return (len(self.messages), {m.message_id: m.edits for m in self.messages},
                len(self.fake.callback_answers))

    async def _answered(self, update_id: int, before: tuple[int, dict[int, int], int], *, toast: bool,
                        timeout: float) -> None:
        """Wait until the bot acknowledged the update and showed something: a new message, an edit, or
        (when `toast`) a callback answer with text."""
        count, edits, answers = before

        def shown() -> bool:
            if len(self.messages) > count:
                return True
            if any(m.edits != edits.get(m.message_id) for m in self.messages[:count]):
                return True
            return toast and any(a.get("text") for a in self.fake.callback_answers[answers:])

        await self.fake.wait_consumed(update_id, timeout)
        await self.fake.wait_until(shown, timeout, f"an answer to update {update_id}")

    async def send(self, text: str, *, timeout: float = 20.0) -> None:
        before = self._snapshot()
        update_id = self.fake.inject_message(self.user, text)
        await self._answered(update_id, before, toast=False, timeout=timeout)

    def send_nowait(self, text: str) -> tuple[int, tuple[int, dict[int, int], int]]:
        before = self._snapshot()
        return self.fake.inject_message(self.user, text), before

    async def tap(self, button_text: str, *, message: SentMessage | None = None, toast: bool = False,
                  timeout: float = 20.0) -> None:
        """Tap the button whose text starts with `button_text` on `message` (default: the newest message
        that has one)."""
        candidates = [message] if message else list(reversed(self.messages))
        for candidate in candidates:
            for button in candidate.buttons():
                if button.get("callback_data") and str(button["text"]).startswith(button_text):
                    await self.tap_data(candidate, button["callback_data"], toast=toast, timeout=timeout)
                    return
        raise AssertionError(f"no button {button_text!r} on {[m.text[:40] for m in candidates[:3]]}")

    async def tap_data(self, message: SentMessage, data: str, *, toast: bool = False, timeout: float = 20.0) -> None:
        before = self._snapshot()
        update_id = self.fake.inject_callback(self.user, message, data)
        await self._answered(update_id, before, toast=toast, timeout=timeout)
