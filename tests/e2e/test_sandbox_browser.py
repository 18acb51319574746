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

import pytest
from playwright.async_api import async_playwright, expect

from tests.support.browser import launch_chromium
from tests.support.databases import REPO


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def sandbox_url(database_url: str) -> AsyncIterator[str]:
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SANDBOX_PORT": str(port),
           "DASHBOARD_PORT": str(_free_port()),
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
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await page.goto(sandbox_url)
        await page.select_option("#persona", value="1009")
        await page.click("#invite")
        welcome = page.locator(".msg.bot").last
        await expect(welcome).to_contain_text("Chào mừng Cán bộ mới", timeout=15_000)
        await expect(welcome).to_contain_text("xã Tân Văn")
        await page.fill("#text", "/start")
        await page.click("#send")
        await expect(page.locator(".msg.bot").last).to_contain_text("Rất vui được gặp lại", timeout=15_000)

        await page.select_option("#persona", value="1002")
        await page.fill("#text", "/language")
        await page.press("#text", "Enter")
        await page.locator(".kb", has_text="English").last.click()
        await expect(page.locator(".msg.bot").last).to_contain_text("Language set to English", timeout=15_000)
        await browser.close()


async def test_sandbox_supervisor_opens_the_dashboard(sandbox_url: str) -> None:
    """The 📊 button in the web chat opens the dashboard with initData the fake Telegram signed."""
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(sandbox_url)
        await page.select_option("#persona", value="1001")
        await page.fill("#text", "/dashboard")
        await page.press("#text", "Enter")
        button = page.locator(".kb", has_text="Bảng theo dõi").last
        await expect(button).to_be_visible(timeout=15_000)
        async with context.expect_page() as opened:
            await button.click()
        dashboard = await opened.value
        await expect(dashboard.locator("#tab-reporting")).to_have_text("Báo cáo", timeout=15_000)
        await expect(dashboard.locator("#who")).to_contain_text("Hoàng Văn Minh")
        await dashboard.click("#tab-figures")
        await expect(dashboard.locator("#figures h2").first).to_contain_text("tỉnh Lạng Sơn", timeout=15_000)
        await browser.close()
