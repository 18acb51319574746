"""/dashboard answers with a 📊 Mini App button and makes the chat's menu button open the same page (the
menu button is built by the renderer, bot/presentation/render.py, like every other piece of Telegram markup)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.sandbox.fake_api import FakeTelegram
from tests.support.dashboard import dashboard_settings
from tests.support.harness import Chat


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram) -> Settings:
    return dashboard_settings(database_url, fake.base_url)


async def test_the_menu_button_opens_the_dashboard(enroll: Callable[..., Any], fake: FakeTelegram,
                                                   settings: Settings) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    [answer] = await supervisor.send("/dashboard")
    [web_app] = [b for b in answer.buttons() if b.get("web_app")]
    assert web_app["web_app"]["url"] == settings.dashboard_url
    assert fake.menu_buttons[supervisor.user.id] == {"type": "web_app", "text": web_app["text"],
                                                     "web_app": {"url": settings.dashboard_url}}
