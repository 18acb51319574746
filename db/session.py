"""The one place that creates the database engine and the session factory.

SQLite gets WAL and foreign keys on every connection (SQLite forgets pragmas per connection);
PostgreSQL goes through psycopg 3. One session is one unit of work (one Telegram update, one job).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create the engine for `database_url`, preparing SQLite's file and pragmas."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            private_sqlite_file(Path(url.database))
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file (and a missing folder) readable by its owner only, before SQLite does: the
    file holds household names, and SQLite gives its -wal and -shm files the database file's permissions.
    A file left readable to others by an older version is tightened. Nothing here raises: a path SQLite
    cannot use is reported by the first connection, as the database being unreachable."""
    with suppress(OSError):
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted and overwritten row text is zeroed in the file, not left in free space: an erased
    # household's name must not stay readable in the database file (bot/domain/households/erasure.py).
    cursor.execute("PRAGMA secure_delete=ON")
    # A 64 MiB page cache per connection instead of SQLite's 2 MiB: a district's totals and digest
    # read a few MB of index pages, which otherwise go back and forth to the OS on every query.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


class SessionFactory:
    """Hands out sessions bound to one engine; `expire_on_commit=False` so objects stay readable."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when `error` (or what caused it) means the database cannot be reached or used right now:
    a refused or dropped connection, a stopped server, an unreadable SQLite file, a pool timeout.
    Such errors are not bugs to report but a state to tell the user about and to wait out."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
            return True
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
