"""The sandbox as a person meets it: `python -m bot` without a token, the web chat in Chromium.

This is the one browser test. It starts the real entry point in a subprocess (the same thing
`make run` does), waits for the line announcing the page (event-based: it reads the process output),
then drives headless Chromium (Debian's package, installed by scripts/ensure-system-deps.sh).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from tests.support.databases import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def sandbox_url(database_url: str) -> AsyncIterator[str]:
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SANDBOX_PORT": str(port),
           "SANDBOX_DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    output: list[str] = []
    try:
        async with asyncio.timeout(60):
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    raise AssertionError("sandbox exited early:\n" + "".join(output))
                output.append(line)
                if "open http://" in line:
                    break
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        await process.wait()


async def test_sandbox_page_registers_a_newcomer_and_answers_start(sandbox_url: str) -> None:
    assert CHROMIUM.exists(), "scripts/ensure-system-deps.sh installs Debian's chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = await browser.new_page()
        await page.goto(sandbox_url)
        await page.select_option("#persona", value="1009")
        await page.click("#invite")
        welcome = page.locator(".msg.bot").last
        await expect(welcome).to_contain_text("Chào mừng Cán bộ mới", timeout=15_000)
        await expect(welcome).to_contain_text("xã Uar")
        await page.fill("#text", "/start")
        await page.click("#send")
        await expect(page.locator(".msg.bot").last).to_contain_text("Rất vui được gặp lại", timeout=15_000)

        await page.select_option("#persona", value="1002")
        await page.fill("#text", "/language")
        await page.press("#text", "Enter")
        await page.locator(".kb", has_text="English").last.click()
        await expect(page.locator(".msg.bot").last).to_contain_text("Language set to English", timeout=15_000)
        await browser.close()
