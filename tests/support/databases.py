"""Test databases: SQLite files or PostgreSQL databases cloned from a migrated, seeded template.

`make test` runs the whole suite twice: CHUNGTAY_TEST_DB=sqlite, then CHUNGTAY_TEST_DB=postgresql
with CHUNGTAY_TEST_DATABASE_URL pointing at the throwaway server scripts/test-postgres.sh starts.
Each test gets a fresh copy, so tests never see each other's data.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.database import prepare_database
from bot.domain.units.tree import import_units_csv
from db.session import SessionFactory, make_engine

REPO = Path(__file__).resolve().parents[2]
SAMPLE_UNITS = REPO / "db" / "seed" / "sample-units.csv"
TEMPLATE_NAME = "chungtay_template"


def backend() -> str:
    return os.environ.get("CHUNGTAY_TEST_DB", "sqlite")


def _seed(url: str) -> None:
    engine = make_engine(url)
    factory = SessionFactory(engine)
    prepare_database(url, factory)
    with factory() as session:
        import_units_csv(session, SAMPLE_UNITS)
    engine.dispose()


class DatabaseFactory:
    """Makes one fresh, migrated and seeded database per test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.kind = backend()
        if self.kind == "sqlite":
            self.template = workdir / "template.sqlite3"
            _seed(f"sqlite:///{self.template}")
        elif self.kind == "postgresql":
            self.server_url = os.environ["CHUNGTAY_TEST_DATABASE_URL"]
            self._admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{TEMPLATE_NAME}"')
            _seed(self._url_for(TEMPLATE_NAME))
        else:
            raise RuntimeError(f"unknown CHUNGTAY_TEST_DB={self.kind}")

    def _url_for(self, database: str) -> str:
        return make_url(self.server_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        engine = create_engine(self._url_for("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    @contextmanager
    def empty(self) -> Iterator[str]:
        """A database with nothing in it, not even the schema (where a backup is restored to)."""
        if self.kind == "sqlite":
            yield f"sqlite:///{self.workdir / f'empty-{uuid.uuid4().hex}.sqlite3'}"
            return
        name = f"chungtay_e_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0')
        try:
            yield self._url_for(name)
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def fresh(self) -> Iterator[str]:
        if self.kind == "sqlite":
            path = self.workdir / f"test-{uuid.uuid4().hex}.sqlite3"
            shutil.copyfile(self.template, path)
            yield f"sqlite:///{path}"
            return
        name = f"chungtay_t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_NAME}"')
        try:
            yield self._url_for(name)
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
