"""Alembic environment: the URL comes from the caller's config or else from the bot's Settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import db.models  # registers the tables on SQLModel.metadata
import db.models_rollup  # noqa: F401  (the area rollup table, likewise)
from db.session import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.config import load_settings

    return load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(_database_url())
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection: Connection) -> None:
    """Run the migrations; on SQLite with foreign keys off while they run, then checked.

    A batch migration rebuilds a SQLite table (copy, drop, rename). With foreign keys on, SQLite refuses
    to drop a table that other rows reference, so an upgrade that works on an empty database would fail
    on a real one. Alembic's documented remedy: switch enforcement off (only possible outside a
    transaction), migrate, and check every key afterwards before switching it on again.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left {len(broken)} broken foreign key(s), e.g. {broken[0]}")
    finally:
        if sqlite:
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
