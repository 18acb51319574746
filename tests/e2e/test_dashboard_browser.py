"""The dashboard in real Chromium, opened as Telegram opens a Mini App: the 📊 button's URL with signed
initData in the fragment. The page must show what the chat says (/status, /totals), remind once, and
read right in Vietnamese and English. It also takes the README's screenshot (docs/dashboard.png)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Page, async_playwright, expect
from sqlmodel import Session, select

from bot.config import Settings
from bot.sandbox.fake_api import FakeTelegram
from db.models import OutboxMessage
from tests.support.browser import launch_chromium
from tests.support.dashboard import dashboard_settings, init_data, log_rice, period_with_submissions, user_of
from tests.support.databases import REPO, backend
from tests.support.harness import BotUnderTest, Chat

SCREENSHOT = REPO / "docs" / "dashboard.png"


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram) -> Settings:
    return dashboard_settings(database_url, fake.base_url)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def _dashboard_url(chat: Chat) -> str:
    """The URL of the 📊 button /dashboard answers with (a `web_app` button, as Telegram gets it)."""
    await chat.send("/dashboard")
    buttons = [b for m in reversed(chat.messages) for b in m.buttons() if b.get("web_app")]
    assert buttons, "no web_app button in the /dashboard answer"
    return str(buttons[0]["web_app"]["url"])


async def _open(page: Page, url: str, telegram_id: int, bot: BotUnderTest, language: str = "vi") -> None:
    signed = init_data(telegram_id, at=bot.runtime.clock(), language_code=language)
    await page.goto(f"{url}#tgWebAppData={quote(signed)}&tgWebAppVersion=8.0")


async def test_the_page_shows_what_the_chat_says_and_reminds_once(
        bot: BotUnderTest, session: Session, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP", name="Nguyễn Thị Hoa")
    on_time: Chat = await enroll("reporter", "GL-KP-CHUGU")
    late: Chat = await enroll("reporter", "GL-KP-UAR")
    await enroll("reporter", "GL-KP-IARSAI")
    now = bot.runtime.clock()
    today = now.astimezone(bot.settings.tz).date()
    reporters = [user_of(session, on_time), user_of(session, late)]
    for code, author, households, kg, value in (("GL-KP-CHUGU", reporters[0], 45, 5410, 81_150_000),
                                                ("GL-KP-UAR", reporters[1], 12, 600, None),
                                                ("GL-KP-CHUGU", reporters[0], 7, 300, 4_500_000)):
        log_rice(session, unit_code=code, author=author, day=today, households=households, kg=kg, value=value)
    period_with_submissions(session, supervisor=user_of(session, supervisor), reporters=reporters, today=today,
                            now=now)

    status_text = _plain("\n".join(m.raw_text or m.text for m in await supervisor.send("/status")))
    rates = re.search(r"Tỷ lệ đầy đủ (\S+) · đúng hạn (\S+)", status_text)
    assert rates, status_text
    totals_text = _plain("\n".join(m.raw_text or m.text for m in await supervisor.send("/totals")))
    url = await _dashboard_url(supervisor)

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": 420, "height": 900})
        await _open(page, url, supervisor.user.id, bot)
        await expect(page.locator("#tab-reporting")).to_have_text("Báo cáo", timeout=15_000)
        await expect(page.locator("#sum-completeness b")).to_have_text(rates[1])
        await expect(page.locator("#sum-timeliness b")).to_have_text(rates[2])
        await expect(page.locator("#sum-completeness span")).to_have_text("Tỷ lệ đầy đủ")
        await expect(page.locator('tr[data-state="late"] .state')).to_have_text("⏰ Trễ hạn")
        missing_row = page.locator("tr", has_text="xã Ia Rsai")
        await expect(missing_row.locator(".state")).to_have_text("❌ Chưa nộp")
        await page.fill("#search", "rsai")
        await expect(page.locator("#reporting-table tbody tr")).to_have_count(1)
        await missing_row.locator("button.nudge").click()
        await expect(page.locator("#status")).to_have_text("Đã gửi lời nhắc tới xã Ia Rsai.")
        await expect(missing_row.locator("button.nudge")).to_be_disabled()
        await page.reload()
        await expect(page.locator("tr", has_text="xã Ia Rsai").locator("button.nudge")).to_have_text(
            "🔔 Đã nhắc hôm nay", timeout=15_000)

        await page.click("#tab-figures")
        total_line = page.locator("#fig-total-line")
        await expect(total_line).to_be_visible(timeout=15_000)
        assert (await total_line.inner_text()).strip() in totals_text
        for sentence in await page.locator("#fig-sentences li").all_inner_texts():
            assert sentence.strip() in totals_text, (sentence, totals_text)
        await expect(page.locator('#fig-table tr[data-code="rice"] .partial')).to_have_count(1)  # one without value
        await expect(page.locator("svg.trend rect")).to_have_count(12)
        if backend() == "sqlite":
            await page.click("#tab-reporting")
            await expect(page.locator("#sum-completeness b")).to_have_text(rates[1])
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
        await browser.close()

    session.expire_all()
    nudges = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "nudge")).all()
    assert len(nudges) == 1


async def test_the_page_reads_in_english(bot: BotUnderTest, session: Session, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP", name="Hoa", language_code="en")
    await supervisor.send("/language")
    await supervisor.tap("English")
    reporter = await enroll("reporter", "GL-KP-CHUGU")
    now = bot.runtime.clock()
    period_with_submissions(session, supervisor=user_of(session, supervisor), reporters=[user_of(session, reporter)],
                            today=now.astimezone(bot.settings.tz).date(), now=now)
    url = await _dashboard_url(supervisor)
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await _open(page, url, supervisor.user.id, bot, language="en")
        await expect(page.locator("#tab-reporting")).to_have_text("Reporting", timeout=15_000)
        await expect(page.locator("#tab-figures")).to_have_text("Figures")
        await expect(page.locator("#tab-check")).to_have_text("To check")
        await expect(page.locator("#sum-completeness span")).to_have_text("Completeness")
        await expect(page.locator("tr", has_text="Chư Gu").locator(".state")).to_have_text("✅ On time")
        assert await page.evaluate("document.documentElement.lang") == "en"
        # A slow rural connection: everything the page loads is well under 300 KB, and it paints at once.
        weight = await page.evaluate("""performance.getEntriesByType('navigation').concat(
            performance.getEntriesByType('resource')).reduce((sum, e) => sum + e.decodedBodySize, 0)""")
        assert 0 < weight < 300_000, weight
        first_paint = await page.evaluate(
            "performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)[0]")
        assert first_paint is not None and first_paint < 1500, first_paint
        await page.click("#tab-check")
        await expect(page.locator("#check h2").first).to_contain_text("Open questions")
        await browser.close()


async def test_an_expired_page_says_so(bot: BotUnderTest, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    url = await _dashboard_url(supervisor)
    old = init_data(supervisor.user.id, at=bot.runtime.clock() - timedelta(hours=2))
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await page.goto(f"{url}#tgWebAppData={quote(old)}")
        await expect(page.locator("#status")).to_contain_text("⛔", timeout=15_000)
        await expect(page.locator("#reporting-table")).to_have_count(0)
        await browser.close()


async def test_a_record_to_check_opens_with_its_history_and_ask_again(
        bot: BotUnderTest, session: Session, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    reporter: Chat = await enroll("reporter", "GL-KP-CHUGU")
    now = bot.runtime.clock()
    record = log_rice(session, unit_code="GL-KP-CHUGU", author=user_of(session, reporter),
                      day=now.astimezone(bot.settings.tz).date(), households=1, kg=900, value=None)
    record.unusual_confirmed = True
    session.add(record)
    session.commit()
    url = await _dashboard_url(supervisor)
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        await _open(page, url, supervisor.user.id, bot)
        await page.click("#tab-check")
        item = page.locator(f'#check-unusual li[data-action-id="{record.id}"]')
        await expect(item).to_contain_text("900 kg", timeout=15_000)
        await item.locator("button").click()
        await expect(page.locator("#record ol li")).to_have_count(1)
        await expect(page.locator("#record ol li").first).to_contain_text("phiên bản 1")
        await page.fill("#ask-text", "900 kg cho 1 hộ, anh/chị xem lại giúp?")
        await page.click("#ask-send")
        await expect(page.locator("#status")).to_have_text("Đã gửi câu hỏi tới người nhập.")
        await expect(page.locator(f'#check-questions li[data-action-id="{record.id}"]')).to_contain_text(
            "900 kg cho 1 hộ, anh/chị xem lại giúp?")
        await browser.close()
    await bot.fake.wait_until(lambda: any("anh/chị xem lại giúp" in m.text for m in reporter.messages),
                              what="the question in the author's chat")
