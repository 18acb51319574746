"""Start-up preparation of the database: schema to head, catalogue loaded (both idempotent).

A bot started while its database is down (a deploy racing the database's own restart, a host reboot)
waits for it: one line per try and an exponential backoff, instead of a traceback and an exit that
leaves the restart to whatever supervises the process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.engine import make_url

from bot.domain.catalogue.loader import sync_catalogue
from db.migrate import upgrade_to_head
from db.session import SessionFactory, is_database_unavailable

log = logging.getLogger("chungtay")
RETRY_DELAY_MAX_SECONDS = 60.0


def prepare_database(database_url: str, session_factory: SessionFactory) -> None:
    upgrade_to_head(database_url)
    with session_factory() as session:
        sync_catalogue(session)


def database_location(database_url: str) -> str:
    """Where the database is, for a log line: host:port or the SQLite path, never the password."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def prepare_database_when_reachable(database_url: str, session_factory: SessionFactory, *,
                                    retry_base_seconds: float = 1.0,
                                    sleep: Callable[[float], None] = time.sleep) -> None:
    """`prepare_database`, retried while the database cannot be reached: waits base, 2×base, 4×base…
    (at most a minute) between tries. Any other error (a broken migration) still stops start-up."""
    attempt = 0
    while True:
        attempt += 1
        try:
            prepare_database(database_url, session_factory)
            if attempt > 1:
                log.warning("database reachable again at %s after %d tries", database_location(database_url),
                            attempt)
            return
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            delay = min(retry_base_seconds * 2 ** (attempt - 1), RETRY_DELAY_MAX_SECONDS)
            log.warning("database not reachable at %s (%s); try %d failed, retrying in %.2f s",
                        database_location(database_url), type(exc).__name__, attempt, delay)
            session_factory.engine.dispose()
            sleep(delay)
