"""Alembic, driven from code so start-up can upgrade to head without an ini file on disk.

What an operator sees: one log line per start saying which migrations ran (from which revision to which)
or that the schema was already at the newest one. Alembic's own lines ("Context impl…", one "Running
upgrade…" per migration, whose arguments the log redaction would hide anyway) are kept below INFO.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.session import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def current_revisions(database_url: str) -> tuple[str, ...]:
    """The revisions the database is at (empty for a new database)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    finally:
        engine.dispose()


@contextmanager
def _alembic_quiet() -> Iterator[None]:
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(max(logging.WARNING, level))
    try:
        yield
    finally:
        logger.setLevel(level)


def upgrade_to_head(database_url: str) -> list[str]:
    """Bring the schema to the newest migration (idempotent; start-up and tests call it). Returns the
    revisions applied, oldest first, and logs them in one line."""
    config = alembic_config(database_url)
    with _alembic_quiet():
        before = current_revisions(database_url)
        command.upgrade(config, "head")
        after = current_revisions(database_url)
    if before == after:
        log.info("database schema at %s (newest): no migration to run", ", ".join(after))
        return []
    script = ScriptDirectory.from_config(config)
    applied = [revision.revision for revision in script.iterate_revisions(after, before or "base")
               if revision.revision not in before]
    applied.reverse()
    log.info("database migrated from %s to %s: %d migration(s) ran (%s)", ", ".join(before) or "an empty database",
             ", ".join(after), len(applied), ", ".join(applied))
    return applied
