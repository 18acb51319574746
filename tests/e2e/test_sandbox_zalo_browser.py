"""The sandbox page with a Zalo persona, in Chromium: `python -m bot` without a token (as `make run`), the
Zalo persona picked, its channel shown, a quick entry saved by typing "lưu" under the numbered card."""

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
           "DASHBOARD_PORT": str(_free_port()), "SANDBOX_DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
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


async def test_a_zalo_persona_chats_in_the_sandbox_page(sandbox_url: str) -> None:
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await page.goto(sandbox_url)
        await page.select_option("#persona", value="1002")
        await expect(page.locator("#channel")).to_have_text("Telegram")
        zalo_value = await page.locator("#persona option", has_text="· Zalo").get_attribute("value")
        assert zalo_value is not None and int(zalo_value) > 2**53
        await page.select_option("#persona", value=zalo_value)
        await expect(page.locator("#channel")).to_have_text("Zalo")
        await page.fill("#text", "gạo 12 hộ 1500kg")
        await page.press("#text", "Enter")
        card = page.locator(".msg.bot").last
        await expect(card).to_contain_text("1.500 kg", timeout=15_000)
        await expect(card).to_contain_text("Trả lời 1–")
        await expect(card.locator(".kb")).to_have_count(0)
        await page.fill("#text", "lưu")
        await page.press("#text", "Enter")
        await expect(page.locator(".msg.bot", has_text="Đã lưu, số bản ghi")).to_have_count(1, timeout=15_000)
        await browser.close()
