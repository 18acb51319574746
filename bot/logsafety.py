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
  filter is the safety net for other people's code, not a licence to log names. An exception object
  passed as an argument prints its type only.
- **Every field, every format.** The same `scrub_record` treats the message, the exception, the stack and
  every `extra=` field, and it runs twice over: in the filter and in `RedactingFormatter`, the base of
  the text and the JSON formatter, so no formatter formats a raw exception, with or without the filter.

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


# Every attribute a plain LogRecord has; anything else on a record came in through `extra=`.
_STANDARD_FIELDS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName", "_chungtay_scrubbed"}
_SCRUBBED = "_chungtay_scrubbed"
# Every secret any filter was given, for the formatters (a formatter can meet a record no filter saw).
_KNOWN_SECRETS: set[str] = set()


def _with_encoded(secrets: Iterable[str]) -> list[str]:
    return sorted(s for s in {*secrets, *(quote(s, safe="") for s in secrets)} if s)


def _remember(secrets: Iterable[str]) -> None:
    _KNOWN_SECRETS.update(_with_encoded(secrets))


def _scrub_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, TOKEN_MARK)
    return text


def _own_argument(value: object) -> object:
    """Our code's arguments stay, but an exception object prints its type only: its message may quote a row."""
    if isinstance(value, BaseException):
        return f"{type(value).__name__}(message withheld)"
    return value


def _scrub_extra(value: object, own: bool, secrets: Iterable[str]) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, BaseException):
        return _own_argument(value)
    if own:
        return _scrub_text(value if isinstance(value, str) else str(value), secrets)
    return _scrub_text(str(_safe_argument(value)), secrets)


def scrub_record(record: logging.LogRecord, secrets: Iterable[str]) -> logging.LogRecord:
    """The one scrubbing path, for every handler and every formatter: the message (with its arguments), the
    exception (frames and types, no messages), the stack and every `extra=` field. Idempotent: a record is
    scrubbed once, by the first filter or formatter that meets it."""
    if getattr(record, _SCRUBBED, False):
        return record
    secrets = list(secrets)
    own = _is_own(record.name)
    if not own:
        if not isinstance(record.msg, str):
            record.msg, record.args = REDACTED, None
        elif isinstance(record.args, dict):
            record.args = {key: _safe_argument(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_safe_argument(value) for value in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _own_argument(value) for key, value in record.args.items()}
    elif record.args:
        record.args = tuple(_own_argument(value) for value in record.args)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = _scrub_text(message, secrets), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = _scrub_text(withheld_traceback(*record.exc_info), secrets)
    elif record.exc_text:
        record.exc_text = _scrub_text(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = _scrub_text(record.stack_info, secrets)
    for key in [key for key in record.__dict__ if key not in _STANDARD_FIELDS]:
        record.__dict__[key] = _scrub_extra(record.__dict__[key], own, secrets)
    setattr(record, _SCRUBBED, True)
    return record


class RedactingFilter(logging.Filter):
    """Scrubs each record in place (see the module notes); never drops one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = _with_encoded(secrets)
        _remember(self.secrets)

    def scrub(self, text: str) -> str:
        return _scrub_text(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record, self.secrets)
        return True


class RedactingFormatter(logging.Formatter):
    """The base of every formatter we install: it scrubs the record first (the same `scrub_record` as the
    filter, with every token a filter was given) and never formats an exception or a stack from scratch, so
    a formatter cannot bring back what the filter took out, even on a handler without the filter."""

    def scrubbed(self, record: logging.LogRecord) -> logging.LogRecord:
        return scrub_record(record, _KNOWN_SECRETS)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(self.scrubbed(record))

    def formatException(self, ei: object) -> str:
        exc_type, exc, tb = ei if isinstance(ei, tuple) else (None, None, None)
        return _scrub_text(withheld_traceback(exc_type, exc, tb), _KNOWN_SECRETS)

    def formatStack(self, stack_info: str) -> str:
        return _scrub_text(stack_info, _KNOWN_SECRETS)


def install_log_redaction(token: str, handlers: Iterable[logging.Handler] | None = None) -> None:
    """Put a `RedactingFilter` that knows `token` on `handlers` (default: every handler of the root logger);
    a handler that has one already learns the token too (the sandbox adds its own after start-up)."""
    for handler in list(handlers if handlers is not None else logging.getLogger().handlers):
        existing = next((f for f in handler.filters if isinstance(f, RedactingFilter)), None)
        if existing is None:
            handler.addFilter(RedactingFilter([token] if token else []))
        elif token:
            existing.secrets = _with_encoded({*existing.secrets, token})
            _remember(existing.secrets)
