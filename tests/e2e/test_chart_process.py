"""The digest's chart is drawn in a child process (bot/domain/reports/chart_worker.py): the bot's own process
never loads matplotlib, the child stops with the bot, and a digest whose chart cannot be drawn
still goes out, without it.

What a process loaded is read from what it has mapped (/proc/<pid>/maps: matplotlib has C extensions),
on the real entry point (`python -m bot`), not from the test process's own imports."""

from __future__ import annotations

import asyncio
import os
import select
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.domain.people.access import create_invite
from bot.domain.reports import chart_worker
from bot.sandbox.fake_api import FakeTelegram
from db.models import Role
from db.queries import get_unit_by_code
from tests.support import chart_probes
from tests.support.harness import Chat, new_user
from tests.support.process import BotProcess, ProcessChat

PNG = b"\x89PNG"


def _maps(pid: int, package: str) -> bool:
    """Whether process `pid` has a file of `package` (e.g. its C extensions) mapped into its memory."""
    return f"/site-packages/{package}/" in Path(f"/proc/{pid}/maps").read_text()


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


async def _digest_from_a_bot_process(bot: BotProcess, fake: FakeTelegram, session: Session) -> int:
    """The district supervisor's /digest from the real bot process, up to its chart; the chart child's pid."""
    district = get_unit_by_code(session, code="GL-KP")
    assert district is not None and district.id is not None and bot.process is not None
    invite = create_invite(session, inviter=None, role=Role.SUPERVISOR, unit_id=district.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=datetime.now(UTC))
    chat = ProcessChat(fake, new_user("Giám sát"))
    await chat.send(f"/start {invite.token}")
    await chat.send("/digest")
    await fake.wait_until(lambda: any((m.file_bytes or b"").startswith(PNG) for m in chat.messages), 60,
                          "the digest's chart")
    # (numpy itself is in the bot's process anyway: openpyxl, which reads household lists, imports it)
    assert not _maps(bot.process.pid, "matplotlib")
    [drawer] = [child for child in _children(bot.process.pid) if _maps(child, "matplotlib")]
    return drawer


@pytest.fixture
async def bot_process(fake: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, database_url, log_path=tmp_path / "bot.log")
    await process.start()
    yield process
    await process.kill()


async def test_the_bot_process_never_loads_matplotlib_and_its_chart_child_stops_with_it(
        bot_process: BotProcess, fake: FakeTelegram, session: Session) -> None:
    drawer = await _digest_from_a_bot_process(bot_process, fake, session)
    assert bot_process.process is not None
    bot_process.process.send_signal(signal.SIGTERM)  # a graceful stop, as on a deploy
    assert await bot_process.process.wait() == 0, bot_process.output()
    assert not Path(f"/proc/{drawer}").exists()  # stopped and reaped before the bot exited


async def test_the_chart_child_ends_when_the_bot_process_is_killed(
        bot_process: BotProcess, fake: FakeTelegram, session: Session) -> None:
    drawer = await _digest_from_a_bot_process(bot_process, fake, session)
    ended = os.pidfd_open(drawer)  # readable once the process has exited
    try:
        await bot_process.kill()  # SIGKILL: nobody shuts the pool down
        readable, _, _ = await asyncio.to_thread(select.select, [ended], [], [], 30)
        assert readable, "the chart child outlived the killed bot"
    finally:
        os.close(ended)


async def test_a_digest_goes_out_without_its_chart_when_the_chart_process_keeps_dying(
        enroll: Callable[..., Awaitable[Chat]], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    supervisor = await enroll(role="supervisor", unit_code="GL-KP")
    monkeypatch.setattr(chart_worker, "DRAW", chart_probes.die)
    await supervisor.send("/digest")
    text, document = supervisor.messages[-2:]
    assert "huyện Krông Pa" in text.text and text.edits  # the status message became the digest's text
    assert document.file_name and document.file_name.endswith(".xlsx") and document.file_bytes
    assert not any((message.file_bytes or b"").startswith(PNG) for message in supervisor.messages)
    assert "the chart process died twice: the digest goes out without its chart" in caplog.text
    assert "Krông Pa" not in caplog.text
