"""Logs without personal data or the bot token (Decree 13/2023/NĐ-CP): one `logging.Filter` on the handlers.

Why a filter on the handlers, and what it does to every record before it is written:

- **The token.** The Bot API puts it in every URL (`/bot<token>/sendMessage`), and httpx logs each
  request URL; tracebacks of network errors quote URLs too. The filter replaces the token (and its
  URL-encoded form) with `‹token›` in the message and in the traceback text.
- **Other libraries' payloads.** At DEBUG, python-telegram-bot logs the parameters and results of every
  Bot API call (message texts: household names, notes), the webhook bodies and the conversation keys;
  SQLAlchemy logs statement parameters at INFO once the root logger is at INFO or lower. We cannot know
  which of their arguments hold user text, so for loggers that are not ours the filter keeps only
  numbers and short code-like strings (an endpoint name, a URL, an HTTP status) and writes `‹…›` for
  every other argument (dicts, lists, objects, any text with spaces or non-ASCII letters).
- **Exceptions.** An exception's message may quote user data (a database error lists the statement's
  parameters, a `KeyError` its key). The traceback text keeps every frame (file, line, function, code)
  and the exception types of the whole chain, but not their messages.
- **Our own loggers** (`bot`, `handlers`, `db`, `chungtay`) keep their arguments: the rule for our code
  is that it logs ids, counts and exception type names, never a text a person typed or a name. The
  filter is the safety net for other people's code, not a licence to log names.

The filter is installed on the root logger's handlers where logging is configured (`bot/main.py`),
fed with the token from `Settings`. It sits on handlers, not on loggers, because a logger's filters do
not see records that propagate up from its children (`telegram.ext.ExtBot`, `httpx`, …).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from types import TracebackType
from urllib.parse import quote

OWN_LOGGERS = ("bot", "handlers", "db", "chungtay", "__main__")


class _Redacted(str):
    """Reads "‹…›" under %s and %r alike."""

    def __repr__(self) -> str:
        return str(self)


REDACTED = _Redacted("‹…›")
TOKEN_MARK = "‹token›"
# What may stay of another library's argument: ASCII without spaces, e.g. "sendMessage",
# "http://127.0.0.1:8081/bot‹token›/getUpdates", "HTTP/1.1", "OK". A name has spaces or diacritics; a URL
# with a query string (where text could be percent-encoded) is not kept either.
_CODE_LIKE = re.compile(r"^[A-Za-z0-9_.:/@\-‹›]{0,300}$")


def _is_own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN_LOGGERS)


def _safe_argument(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and _CODE_LIKE.match(value):
        return value
    return REDACTED


def withheld_traceback(exc_type: type[BaseException] | None, exc: BaseException | None,
                       tb: TracebackType | None) -> str:
    """The traceback of the whole exception chain with the frames and types, without the messages."""
    chain: list[tuple[str, TracebackType | None, str]] = []  # newest first: (type name, frames, link to older)
    current: BaseException | None = exc
    name = exc_type.__name__ if exc_type else "Exception"
    frames = tb
    seen: set[int] = set()
    while True:
        older = None
        link = ""
        if current is not None:
            seen.add(id(current))
            if current.__cause__ is not None:
                older, link = current.__cause__, "The above exception was the direct cause of the following exception:"
            elif current.__context__ is not None and not current.__suppress_context__:
                older, link = current.__context__, "During handling of the above exception, another exception occurred:"
        chain.append((name, frames, link if older is not None and id(older) not in seen else ""))
        if older is None or id(older) in seen:
            break
        current, name, frames = older, type(older).__name__, older.__traceback__
    parts: list[str] = []
    for index, (type_name, type_frames, _) in enumerate(reversed(chain)):
        if index:
            parts.append(f"\n{chain[len(chain) - 1 - index][2]}\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(type_frames))
        parts.append(f"{type_name}: (message withheld: it may hold personal data)\n")
    return "".join(parts).rstrip("\n")


class RedactingFilter(logging.Filter):
    """Scrubs each record in place (see the module notes); never drops one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in {*secrets, *(quote(s, safe="") for s in secrets)} if s]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, TOKEN_MARK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_chungtay_scrubbed", False):
            return True
        if not _is_own(record.name):
            if not isinstance(record.msg, str):
                record.msg, record.args = REDACTED, None
            elif isinstance(record.args, dict):
                record.args = {key: _safe_argument(value) for key, value in record.args.items()}
            elif record.args:
                record.args = tuple(_safe_argument(value) for value in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.scrub(withheld_traceback(*record.exc_info))
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        setattr(record, "_chungtay_scrubbed", True)  # noqa: B010 (LogRecord has no such field)
        return True


def install_log_redaction(token: str, handlers: Iterable[logging.Handler] | None = None) -> None:
    """Put a `RedactingFilter` that knows `token` on `handlers` (default: every handler of the root logger);
    a handler that has one already learns the token too (the sandbox adds its own after start-up)."""
    for handler in list(handlers if handlers is not None else logging.getLogger().handlers):
        existing = next((f for f in handler.filters if isinstance(f, RedactingFilter)), None)
        if existing is None:
            handler.addFilter(RedactingFilter([token] if token else []))
        elif token:
            existing.secrets = sorted({*existing.secrets, token, quote(token, safe="")})
