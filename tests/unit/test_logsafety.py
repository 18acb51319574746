"""The redacting log filter (bot/logsafety.py): the token, other libraries' payloads, exception messages."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logsafety import RedactingFilter, install_log_redaction

TOKEN = "987654:SECRET-abc_DEF"
NAME = "Nguyễn Thị Hoa"
VILLAGE = "Buôn Ơi Đắk"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    install_log_redaction(TOKEN, [handler])
    loggers = [logging.getLogger(name) for name in ("telegram.ext.ExtBot", "httpx", "handlers.test", "sqlalchemy.x")]
    levels = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    yield handler
    for logger, level, propagate in levels:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def test_the_token_is_replaced_in_urls_plain_and_encoded(lines: Lines) -> None:
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "POST",
                                    f"http://127.0.0.1:1/bot{TOKEN}/sendMessage", "HTTP/1.1", 200, "OK")
    logging.getLogger("handlers.test").warning("url %s", f"https://x/bot{TOKEN.replace(':', '%3A')}/getMe")
    assert lines.lines == ['HTTP Request: POST http://127.0.0.1:1/bot‹token›/sendMessage "HTTP/1.1 200 OK"',
                           "url https://x/bot‹token›/getMe"]


def test_other_libraries_keep_numbers_and_code_like_words_only(lines: Lines) -> None:
    logging.getLogger("telegram.ext.ExtBot").debug("Calling Bot API endpoint `%s` with parameters `%s`",
                                                   "sendMessage", {"chat_id": 5, "text": NAME})
    logging.getLogger("sqlalchemy.x").info("[cached %.3fs] %r", 0.5, (NAME, 3))
    logging.getLogger("telegram.ext.ExtBot").debug("%s", "hoa")  # one ASCII word survives …
    logging.getLogger("telegram.ext.ExtBot").debug("%s", "nguyen thi hoa")  # … a name with spaces does not
    logging.getLogger("telegram.ext.ExtBot").debug({"text": NAME})  # type: ignore[arg-type]
    assert lines.lines == ["Calling Bot API endpoint `sendMessage` with parameters `‹…›`",
                           "[cached 0.500s] ‹…›", "hoa", "‹…›", "‹…›"]


def test_our_own_loggers_keep_their_arguments(lines: Lines) -> None:
    logging.getLogger("handlers.test").info("digest for unit %s sent to %s supervisor(s) at %s", 7, 2, "07:30 sáng")
    assert lines.lines == ["digest for unit 7 sent to 2 supervisor(s) at 07:30 sáng"]


def test_exception_messages_are_withheld_but_frames_and_types_stay(lines: Lines) -> None:
    def save() -> None:
        try:
            raise KeyError(NAME)
        except KeyError as error:
            raise RuntimeError(f"INSERT … parameters ('{NAME}', {TOKEN!r})") from error

    try:
        save()
    except RuntimeError:
        logging.getLogger("handlers.test").exception("saving failed (update %s)", 42)
    [line] = lines.lines
    assert line.startswith("saving failed (update 42)\nTraceback (most recent call last):")
    assert "KeyError: (message withheld" in line and "RuntimeError: (message withheld" in line
    assert "The above exception was the direct cause of the following exception:" in line
    assert line.index("KeyError") < line.index("RuntimeError") and "in save" in line
    assert NAME not in line and TOKEN not in line


def test_installing_twice_adds_the_token_to_the_same_filter() -> None:
    handler = Lines()
    install_log_redaction("", [handler])
    install_log_redaction(TOKEN, [handler])
    [only] = [f for f in handler.filters if isinstance(f, RedactingFilter)]
    assert only.scrub(f"/bot{TOKEN}/") == "/bot‹token›/"


def test_a_url_with_a_query_string_is_not_kept(lines: Lines) -> None:
    logging.getLogger("httpx").info("GET %s", "http://x/search?q=Nguy%E1%BB%85n")
    assert lines.lines == ["GET ‹…›"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_every_formatter_scrubs_every_field_even_without_the_filter(log_format: str) -> None:
    """The formatter itself goes through the same scrubbing: message, exception, stack and `extra=`."""
    import json

    from bot.logsafety import RedactingFormatter
    from bot.ops.log_format import TEXT_FORMAT, JsonFormatter

    install_log_redaction(TOKEN, [Lines()])  # the process learns the token, as `configure_logging` does
    handler = Lines()  # …but this handler has no filter: only its formatter stands between the record and the file
    handler.setFormatter(JsonFormatter() if log_format == "json" else RedactingFormatter(TEXT_FORMAT))
    logger = logging.getLogger("sqlalchemy.engine.test_formatters")
    own = logging.getLogger("bot.test_formatters")
    for each in (logger, own):
        each.addHandler(handler)
        each.setLevel(logging.DEBUG)
        each.propagate = False
    row = (NAME, VILLAGE)  # the source lines a traceback quotes must not hold the data themselves
    try:
        try:
            raise ValueError(f"UNIQUE constraint failed; row {row!r} bot{TOKEN}")
        except ValueError as exc:
            logger.debug("failed: %s", NAME, exc_info=True, stack_info=True, extra={"error": str(exc), "row": NAME})
            own.warning("failed for %s: %s", 7, exc, exc_info=exc, extra={"error": f"bot{TOKEN}/x"})
    finally:
        for each in (logger, own):
            each.removeHandler(handler)
            each.propagate = True
    text = "\n".join(handler.lines)
    assert len(handler.lines) == 2 and NAME not in text and TOKEN not in text and VILLAGE not in text
    assert "message withheld" in text and "test_every_formatter_scrubs" in text  # frames and types stay
    if log_format == "json":
        first, second = (json.loads(line) for line in handler.lines)
        assert first["error"] == "‹…›" and "ValueError" in first["exception"] and "stack" in first
        assert second["error"] == "bot‹token›/x" and second["message"] == "failed for 7: ValueError(message withheld)"
