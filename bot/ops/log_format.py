"""Log set-up: the usual text lines, or one JSON object per line (LOG_FORMAT=json) for log collectors.

The JSON object carries the standard fields and, for the per-update line, its fields as they are (see
bot/ops/update_log.py), so a collector can filter on `outcome` or chart `duration_ms` without parsing.

Both formatters derive from `RedactingFormatter` (bot/logsafety.py): the message, the exception, the stack
and every `extra=` field go through the same scrubbing as the handlers' filter, whichever format is chosen.
A formatter never formats `exc_info` itself from the raw exception: it writes the record's scrubbed text.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from bot.logsafety import RedactingFormatter, install_log_redaction

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
EXTRA_FIELDS = ("update_id", "update_kind", "handler", "duration_ms", "outcome", "error")


class JsonFormatter(RedactingFormatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, extras, exception, stack."""

    def format(self, record: logging.LogRecord) -> str:
        self.scrubbed(record)
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in EXTRA_FIELDS:
            if key in record.__dict__:
                data[key] = record.__dict__[key]
        if record.exc_text:
            data["exception"] = record.exc_text
        elif record.exc_info and record.exc_info[0] is not None:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


SCHEDULER_LOGGERS = ("apscheduler.executors.default", "apscheduler.scheduler")


class JobNames(logging.Filter):
    """APScheduler logs the Job object and its run time as arguments ('Running job "%s" (scheduled at %s)');
    the redaction (bot/logsafety.py) rightly hides arguments of other libraries that look like text, and a
    Job reads "reminders:plan (trigger: interval[0:01:00], next run at: …)". The job's name is our own
    code's (bot/jobs.py: "reminders:plan", "digest:<unit id>"), so this filter, on the scheduler's loggers,
    hands the redaction the name and a compact UTC time instead, which it keeps."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_plain(value) for value in record.args)
        return True


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, timedelta):
        return f"{value.total_seconds():.1f}s"
    name = getattr(value, "name", None)
    if isinstance(name, str) and hasattr(value, "trigger"):  # an APScheduler Job
        return name
    return value


def configure_logging(level: str, token: str = "", *, log_format: str = "text") -> None:
    """Log to stderr as text or JSON, through handlers that scrub the token, other libraries' payloads and
    exception messages (bot/logsafety.py). httpx's per-request INFO lines are noise, so they start at WARNING."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "chungtay_stderr", False)]:
        root.removeHandler(old)  # called again (tests, the sandbox): replace our handler, keep anyone else's
    handler = logging.StreamHandler()
    handler.chungtay_stderr = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else RedactingFormatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in SCHEDULER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, JobNames) for f in logger.filters):
            logger.addFilter(JobNames())
    install_log_redaction(token)
