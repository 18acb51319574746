"""An in-process fake of the Telegram Bot API, plus a browser chat page for the sandbox.

Why this exists: the end-to-end tests run the *real* python-telegram-bot
``Application`` over real HTTP, so everything PTB does (multipart uploads,
retries on 429, long polling, webhook delivery) is exercised without touching
Telegram.  The same aiohttp server also serves ``webchat.html`` so a person can
try the bot locally (``make run`` without a token) by picking a sample user in a
browser.

Fidelity goal: answer with the shapes, HTTP status codes and error texts that
Telegram uses for the situations the bot can realistically hit (message not
modified, bad HTML, blocked user, flood control, ...), because the bot's error
handling is written against those texts.  Anything outside that goal is left
out on purpose rather than faked loosely.

Layout of this package (one job a module; ``FakeTelegram`` puts the parts together):
  models.py    data classes exposed to tests (FakeUser, SentMessage, ApiCall), limits, error texts
  parsing.py   small helpers (HTML entity parsing, parameter decoding, markup checks)
  core.py      state, inspection helpers for tests, JSON builders
  controls.py  fault injection and update injection used by tests
  bot_api.py   Bot API method handlers
  webchat.py   sandbox control API behind the web chat page
  server.py    FakeTelegram: Bot API endpoint, webhook delivery, server lifecycle
"""

from bot.sandbox.fake_api.models import ApiCall, FakeUser, SentMessage, TelegramApiError
from bot.sandbox.fake_api.parsing import parse_html
from bot.sandbox.fake_api.server import FakeTelegram

__all__ = ["ApiCall", "FakeTelegram", "FakeUser", "SentMessage", "TelegramApiError", "parse_html"]
