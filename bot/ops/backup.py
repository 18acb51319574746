"""`chungtay backup` / `chungtay restore`: one file per backup, SQLite or PostgreSQL.

Why these tools:
- SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while the bot
  keeps writing, and it reads through the WAL. Copying the .sqlite3 file would miss what is still in
  the -wal file, or catch a half-written page. The copy is switched out of WAL mode so the backup is
  one self-contained file.
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, compressed, restorable table by table)
  and `pg_restore --clean --if-exists` in one transaction, so a failed restore leaves the old data.
  The connection goes through PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE: a password on a command line
  is visible to every user of the machine in `ps`.

A backup holds personal data (household names): files are created readable by their owner only.
Restore refuses to overwrite a database that holds data unless forced, and refuses a file of the
wrong kind (a PostgreSQL dump for a SQLite database, or anything that is not a backup).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from db.session import make_engine, private_sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_IGNORED_TABLES = {"alembic_version"}


class BackupError(Exception):
    """Backup or restore cannot go on; the message is one line meant for the operator."""


def _backend(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL points at an in-memory SQLite database: nothing to back up")
    return Path(database)


def file_kind(path: Path) -> str:
    """'sqlite', 'postgresql' (a pg_dump custom-format archive) or 'unknown', from the first bytes."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return "unknown"


def backup_target(path: Path, backend: str, *, now: datetime | None = None) -> Path:
    """`path` itself, or a time-stamped file inside it when it is a directory (handy from cron)."""
    if not path.is_dir():
        return path
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return path / f"chungtay-{stamp}.{'sqlite3' if backend == 'sqlite' else 'dump'}"


def _private_file(path: Path) -> None:
    """Create (or truncate) `path` as an owner-only file before anything writes personal data into it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
        os.chmod(path, 0o600)
    except OSError as exc:  # e.g. a Docker volume owned by root while the bot runs as uid 10001
        raise BackupError(f"cannot write {path.parent}: {exc.strerror or type(exc).__name__}. The folder must "
                          f"exist and be writable by this user (uid {os.getuid()})") from None


def backup(database_url: str, path: Path) -> Path:
    """Write a backup of the database to `path` (atomically: a partial file never has the final name)."""
    backend = _backend(database_url)
    target = backup_target(path, backend)
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    try:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
        elif backend == "postgresql":
            _run_pg("pg_dump", ["--format=custom", "--no-password", f"--file={partial}"], database_url)
        else:
            raise BackupError(f"cannot back up a {backend} database")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(database_url: str, path: Path, *, force: bool = False) -> None:
    """Replace the database's content with the backup at `path`."""
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    backend = _backend(database_url)
    kind = file_kind(path)
    if kind == "unknown":
        raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump custom-format archive")
    if kind != backend:
        raise BackupError(f"{path} is a {kind} backup but DATABASE_URL is a {backend} database")
    if not force and has_data(database_url):
        raise BackupError("the database already holds data; give --force to replace it with the backup")
    if backend == "sqlite":
        _sqlite_restore(path, _sqlite_path(database_url))
    else:
        _check_pg_archive(path)
        _run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                               "--exit-on-error", "--no-password", f"--dbname={_pg_database(database_url)}",
                               str(path)], database_url)


def has_data(database_url: str) -> bool:
    """True when any table (other than Alembic's bookkeeping) has a row; a missing database has none."""
    if _backend(database_url) == "sqlite" and not _sqlite_path(database_url).exists():
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = [name for name in inspect(connection).get_table_names() if name not in _IGNORED_TABLES]
            quote = connection.dialect.identifier_preparer.quote
            return any(connection.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first() is not None
                       for name in tables)
    finally:
        engine.dispose()


# ------------------------------------------------------------------ SQLite

def _sqlite_backup(source: Path, destination: Path) -> None:
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(dst, destination)
    finally:
        dst.close()
        src.close()


def _check_sqlite(connection: sqlite3.Connection, path: Path) -> None:
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:  # a truncated or overwritten file: "database disk image is malformed"
        raise BackupError(f"{path} is damaged ({exc}); nothing was changed: use another backup") from None
    if result is None or result[0] != "ok":
        raise BackupError(f"{path} is damaged (SQLite quick_check: {result[0] if result else 'no answer'})")
    has_version = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
    if has_version is None:
        raise BackupError(f"{path} is a SQLite file but not a Chung Tay database (no alembic_version table)")


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    """Copy the backup into the target through the backup API, which writes the target's pages under
    SQLite's locks and its WAL, so no stale -wal file can mix old pages into the restored database."""
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check_sqlite(src, backup_file)
        private_sqlite_file(target)
        try:
            dst = sqlite3.connect(target, timeout=30)
            dst.execute("PRAGMA schema_version").fetchone()  # opens the file now, not at the first page write
        except sqlite3.Error as exc:
            raise BackupError(f"cannot open or create the database file {target} ({exc}); check DATABASE_URL's "
                              "path and that this user may write there") from None
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()


# ------------------------------------------------------------------ PostgreSQL

def find_pg_tool(name: str) -> str:
    """The newest `name` (pg_dump, pg_restore): Debian's versioned directories first, since a pg_dump
    older than the server refuses to dump, then PATH."""
    def version(directory: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in directory.parent.name.split(".") if part.isdigit())

    candidates = sorted((Path(d) for d in glob.glob(PG_BIN_GLOB)), key=version, reverse=True)
    for directory in candidates:
        if (directory / name).is_file():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH or in {PG_BIN_GLOB} (install postgresql-client)")
    return found


def pg_environment(database_url: str) -> dict[str, str]:
    """libpq's variables for the URL's server, user, password and database (added to os.environ)."""
    url: URL = make_url(database_url)
    env = dict(os.environ)
    values = {"PGHOST": url.host, "PGPORT": str(url.port) if url.port else None, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    query_names = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT"}
    for key, variable in query_names.items():
        value = url.query.get(key)
        if value:
            values[variable] = value if isinstance(value, str) else value[0]
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _check_pg_archive(path: Path) -> None:
    """Read the archive's table of contents before touching the database: pg_restore restores what it can
    read of a damaged archive, which may be nothing at all, and exits 0. A Chung Tay backup lists the data
    of alembic_version."""
    result = subprocess.run([find_pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{path} is damaged ({detail[-1] if detail else 'unreadable'}); nothing was changed: "
                          "use another backup")
    if not any("TABLE DATA" in line and "alembic_version" in line for line in result.stdout.splitlines()):
        raise BackupError(f"{path} is damaged or not a Chung Tay backup (it holds no alembic_version data); "
                          "nothing was changed: use another backup")


def _pg_database(database_url: str) -> str:
    database = make_url(database_url).database
    if not database:
        raise BackupError("DATABASE_URL names no database")
    return database


def _run_pg(tool: str, arguments: Sequence[str], database_url: str) -> None:
    command = [find_pg_tool(tool), *arguments]
    result = subprocess.run(command, env=pg_environment(database_url), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{tool} failed (exit code {result.returncode}): {detail[-1] if detail else 'no output'}")
